import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SendfactAuthModule } from 'nestjs-sendfact-auth';
import { HealthModule } from './health/health.module.js';
import { InvoicesModule } from './invoices/invoices.module.js';
import { SecurityModule } from './security/security.module.js';
import type { SecurityOptions } from './security/security.options.js';
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
export class AppModule {
  /**
   * The app as main.ts serves it over HTTP: with the guard against other web sites, which needs the HOST
   * the sample listens on, known only at start.
   */
  static forRoot(security: SecurityOptions): DynamicModule {
    return { module: AppModule, imports: [SecurityModule.forRoot(security)] };
  }
}
