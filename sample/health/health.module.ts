import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SendfactHealthIndicator } from 'nestjs-sendfact-auth/health';
import { HealthController } from './health.controller.js';

/** `GET /health` with terminus; the indicator reads the token state, with no call to Sendfact. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [SendfactHealthIndicator],
})
export class HealthModule {}
