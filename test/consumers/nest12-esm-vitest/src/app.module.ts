import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { createObserveModule } from '@nestjs/observe';
import { SendfactAuthModule } from 'nestjs-sendfact-auth';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { InvoicesController } from './invoices/invoices.controller.js';
import { InvoicesService } from './invoices/invoices.service.js';

export const { ObserveModule, ObserveInstrument } = createObserveModule();

// The generated AppModule, plus the README's step 2 (ConfigModule and SendfactAuthModule, both global)
// and an invoices feature that calls Sendfact.
@Module({
  imports: [
    // Distributed tracing, auto-correlated logs, request/job metrics, error
    // telemetry, alarms, and more — out of the box. Sign up at https://observe.nestjs.com,
    // then run `npx @nestjs/observe link` to write your key pair into .env.
    ObserveModule.forRoot({
      appKey: process.env.OBSERVE_APP_KEY ?? 'YOUR_APP_KEY',
      appSecret: process.env.OBSERVE_APP_SECRET ?? 'YOUR_APP_SECRET',
      serviceId: 'app',
    }),
    ConfigModule.forRoot({ isGlobal: true }),
    SendfactAuthModule.forRoot({ isGlobal: true }),
  ],
  controllers: [AppController, InvoicesController],
  providers: [AppService, InvoicesService],
})
export class AppModule {}
