import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SendfactAuthModule } from 'nestjs-sendfact-auth';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { InvoicesController } from './invoices/invoices.controller';
import { InvoicesService } from './invoices/invoices.service';

// The generated AppModule, plus the README's step 2 (ConfigModule and SendfactAuthModule, both global)
// and an invoices feature that calls Sendfact.
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SendfactAuthModule.forRoot({ isGlobal: true }),
  ],
  controllers: [AppController, InvoicesController],
  providers: [AppService, InvoicesService],
})
export class AppModule {}
