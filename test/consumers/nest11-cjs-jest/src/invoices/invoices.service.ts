import { Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { SendfactHttpService } from 'nestjs-sendfact-auth';

export interface SendResult {
  message: string;
}

/** The README's step 3: a service that sends a signed invoice through SendfactHttpService. */
@Injectable()
export class InvoicesService {
  constructor(private readonly sendfact: SendfactHttpService) {}

  async send(fileName: string, signedXmlBase64: string): Promise<SendResult> {
    const { data } = await firstValueFrom(
      this.sendfact.post<SendResult>('/api/cpe/send', {
        file_name: fileName,
        file_content: signedXmlBase64,
      }),
    );
    return data;
  }
}
