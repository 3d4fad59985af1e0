import { Injectable } from '@nestjs/common';
import { SendfactAuthService, SendfactHttpService } from 'nestjs-sendfact-auth';
import { firstValueFrom } from 'rxjs';
import { demoInvoiceXml, invoiceFileName } from './demo-invoice.js';

export interface SignResult {
  message: string;
  xml: string;
  hash_code: string;
}

export interface SendResult {
  message: string;
  observations?: string[];
  cdr?: string;
  xml?: string;
}

export interface StatusResult {
  document_status: number;
  message: string;
  is_rejected: boolean;
}

/** Signs, sends and follows invoices through Sendfact. No token handling here: SendfactHttpService does it. */
@Injectable()
export class InvoicesService {
  #next = 1;

  constructor(
    private readonly sendfact: SendfactHttpService,
    private readonly auth: SendfactAuthService,
  ) {}

  /** The issuing company's RUC: the digits of the Sendfact username (`USER<RUC>`). */
  get ruc(): string {
    return /\d{11}/.exec(process.env['SENDFACT_USERNAME'] ?? '')?.[0] ?? '20515809822';
  }

  async sign(fileName: string, xml: string): Promise<SignResult> {
    const { data } = await firstValueFrom(
      this.sendfact.post<SignResult>('/api/cpe/sign', {
        file_name: fileName,
        file_content: base64(xml),
      }),
    );
    return data;
  }

  async send(fileName: string, signedXmlBase64: string): Promise<SendResult> {
    const { data } = await firstValueFrom(
      this.sendfact.post<SendResult>('/api/cpe/send', {
        file_name: fileName,
        file_content: signedXmlBase64,
      }),
    );
    return data;
  }

  async status(fileName: string): Promise<StatusResult> {
    const { data } = await firstValueFrom(
      this.sendfact.get<StatusResult>(`/api/cpe/${encodeURIComponent(fileName)}/status`),
    );
    return data;
  }

  /** Builds a demo invoice, signs it and sends it: what `POST /invoices` does. */
  async issueDemoInvoice(
    series = 'F001',
  ): Promise<{ fileName: string; signed: SignResult; sent: SendResult }> {
    const number = this.#next++;
    const fileName = invoiceFileName(this.ruc, series, number);
    const signed = await this.sign(fileName, demoInvoiceXml(this.ruc, series, number));
    const sent = await this.send(fileName, signed.xml);
    return { fileName, signed, sent };
  }

  /** For the walkthrough: how many token requests this app has made so far. */
  tokenRequests(): number {
    return this.auth.getStats().tokenRequests;
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
