import { Body, Controller, Inject, Post } from '@nestjs/common';
import { InvoicesService, type SendResult } from './invoices.service.js';

@Controller('invoices')
export class InvoicesController {
  constructor(@Inject(InvoicesService) private readonly invoices: InvoicesService) {}

  @Post()
  send(@Body() body: { fileName: string; xml: string }): Promise<SendResult> {
    return this.invoices.send(body.fileName, Buffer.from(body.xml).toString('base64'));
  }
}
