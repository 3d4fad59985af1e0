import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SendfactHealthIndicator } from 'nestjs-sendfact-auth/health';

/** Readiness for operators and orchestrators: 200 while Sendfact tokens can be had, else 503. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sendfact: SendfactHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sendfact.isHealthy('sendfact')]);
  }
}
