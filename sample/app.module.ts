import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SendfactAuthModule } from 'nestjs-sendfact-auth';
import { HealthModule } from './health/health.module.js';
import { InvoicesModule } from './invoices/invoices.module.js';
import { TokenController } from './token/token.controller.js';

/** Register once: ConfigModule loads `.env`; SendfactAuthModule reads `SENDFACT_*` from it, global to the app. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SendfactAuthModule.forRoot({ isGlobal: true }),
    InvoicesModule,
    HealthModule,
  ],
  controllers: [TokenController],
})
export class AppModule {}
