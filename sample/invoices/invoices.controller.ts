import { Body, Controller, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { InvoicesService } from './invoices.service.js';
import { SendfactErrorFilter } from './sendfact-error.filter.js';

@Controller('invoices')
@UseFilters(SendfactErrorFilter)
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  /** Signs and sends a demo invoice; `{ "series": "F002" }` picks the series. */
  @Post()
  @HttpCode(201)
  async issue(@Body() body: { series?: string } = {}) {
    const series = /^F[A-Z0-9]{3}$/.test(body?.series ?? '') ? body.series : 'F001';
    const { fileName, signed, sent } = await this.invoices.issueDemoInvoice(series);
    return {
      fileName,
      hash: signed.hash_code,
      message: sent.message,
      observations: sent.observations ?? [],
    };
  }

  @Get(':fileName/status')
  async status(@Param('fileName') fileName: string) {
    const { document_status, message, is_rejected } = await this.invoices.status(fileName);
    return { fileName, documentStatus: document_status, message, rejected: is_rejected };
  }
}
