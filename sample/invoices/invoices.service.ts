import { Injectable } from '@nestjs/common';
import {
  SendfactAuthService,
  SendfactCpeService,
  type SendfactSendResponse,
  type SendfactSignResponse,
  type SendfactStatusResponse,
} from 'nestjs-sendfact-auth';
import { demoInvoiceXml, invoiceFileName } from './demo-invoice.js';

/**
 * Signs, sends and follows invoices through Sendfact's typed calls. No token handling here, and no HTTP
 * either: SendfactCpeService does both, and its errors become HTTP answers through SendfactExceptionFilter.
 */
@Injectable()
export class InvoicesService {
  #next = 1;

  constructor(
    private readonly cpe: SendfactCpeService,
    private readonly auth: SendfactAuthService,
  ) {}

  /** The issuing company's RUC: the digits of the Sendfact username (`USER<RUC>`). */
  get ruc(): string {
    return /\d{11}/.exec(process.env['SENDFACT_USERNAME'] ?? '')?.[0] ?? '20515809822';
  }

  /** Builds a demo invoice, signs it and sends it: what `POST /invoices` does. */
  async issueDemoInvoice(
    series = 'F001',
  ): Promise<{ fileName: string; signed: SendfactSignResponse; sent: SendfactSendResponse }> {
    const number = this.#next++;
    const fileName = invoiceFileName(this.ruc, series, number);
    const xml = demoInvoiceXml(this.ruc, series, number);
    const signed = await this.cpe.sign({
      file_name: fileName,
      file_content: Buffer.from(xml, 'utf8').toString('base64'),
    });
    const sent = await this.cpe.send({ file_name: fileName, file_content: signed.xml });
    return { fileName, signed, sent };
  }

  /** Where a sent invoice stands. */
  status(fileName: string): Promise<SendfactStatusResponse> {
    return this.cpe.status(fileName);
  }

  /** For the walkthrough: how many token requests this app has made so far. */
  tokenRequests(): number {
    return this.auth.getStats().tokenRequests;
  }
}
