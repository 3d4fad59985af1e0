import { Body, Controller, Post } from '@nestjs/common';
import { InvoicesService, SendResult } from './invoices.service';

@Controller('invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post()
  send(@Body() body: { fileName: string; xml: string }): Promise<SendResult> {
    return this.invoices.send(body.fileName, Buffer.from(body.xml).toString('base64'));
  }
}
