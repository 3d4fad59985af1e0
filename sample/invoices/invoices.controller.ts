import { Body, Controller, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { SendfactDocumentStatus, SendfactExceptionFilter } from 'nestjs-sendfact-auth';
import { InvoicesService } from './invoices.service.js';

/**
 * The sample's API. It has no authentication of its own: it is for a developer's machine, which is why
 * main.ts listens on 127.0.0.1 unless HOST says otherwise, and SecurityModule refuses other web sites.
 */
@Controller('invoices')
@UseFilters(SendfactExceptionFilter)
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
    return {
      fileName,
      documentStatus: document_status,
      // The enum's name for the code, e.g. "Accepted" (the number itself when Sendfact adds a new one).
      state: SendfactDocumentStatus[document_status] ?? String(document_status),
      message,
      rejected: is_rejected,
    };
  }
}
