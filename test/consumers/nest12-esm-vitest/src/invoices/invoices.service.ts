import { Inject, Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { SendfactHttpService } from 'nestjs-sendfact-auth';

export interface SendResult {
  message: string;
}

/** The README's step 3: a service that sends a signed invoice through SendfactHttpService. */
@Injectable()
export class InvoicesService {
  // `@Inject()` names what to inject, so Nest needs no decorator metadata to find it: the form that works
  // under a Vitest whose transform emits none (docs/TESTING.md, "Vitest without decorator metadata").
  constructor(@Inject(SendfactHttpService) private readonly sendfact: SendfactHttpService) {}

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
