/**
 * How to test your own services that use this module: this file is the example the README points to.
 * It tests the sample app's InvoicesService three ways.
 */
import { Test } from '@nestjs/testing';
import {
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthModule,
  SendfactAuthService,
} from 'nestjs-sendfact-auth';
import {
  SENDFACT_TEST_TOKEN,
  STAND_IN_DEFAULT_ACCOUNT,
  SendfactAuthTestingModule,
  createSendfactTestingOptions,
  type SendfactTestRequest,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module.js';
import { InvoicesModule } from '../../sample/invoices/invoices.module.js';
import { InvoicesService } from '../../sample/invoices/invoices.service.js';

describe('testing your services with the kit', () => {
  it('1. no server at all: a fixed token, and Sendfact answered in-process by `respond`', async () => {
    const seen: SendfactTestRequest[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthTestingModule.forRoot({
          isGlobal: true,
          respond: (request) => {
            seen.push(request);
            if (request.url === '/api/cpe/sign')
              return { data: { message: 'firmado', xml: 'PHNpZ25lZC8+', hash_code: 'h' } };
            if (request.url === '/api/cpe/send')
              return { data: { message: 'La Factura numero F001-1, ha sido aceptada' } };
            return { status: 404, data: { errors: ['0100 - El comprobante no existe'] } };
          },
        }),
        InvoicesModule,
      ],
    }).compile();
    const invoices = moduleRef.get(InvoicesService);

    const { fileName, sent } = await invoices.issueDemoInvoice();
    expect(sent.message).toContain('aceptada');
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/cpe/sign',
      'POST /api/cpe/send',
    ]);
    expect(seen[0]!.headers['Authorization']).toBe(`Bearer ${SENDFACT_TEST_TOKEN}`);
    expect(seen[0]!.data).toMatchObject({ file_name: fileName });
    // A non-2xx answer rejects with a SendfactApiError carrying Sendfact's status and errors.
    await expect(invoices.status('20515809822-01-F001-99')).rejects.toMatchObject({
      name: 'SendfactApiError',
      status: 404,
      errors: ['0100 - El comprobante no existe'],
    });
    await moduleRef.close();
  });

  it('2. the whole app as it is, with the module options overridden', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(SENDFACT_AUTH_OPTIONS)
      .useValue(
        createSendfactTestingOptions({
          accessToken: 'my-token',
          respond: () => ({
            data: { document_status: 1, message: 'Aceptado', is_rejected: false },
          }),
        }),
      )
      .compile();
    expect(await moduleRef.get(SendfactAuthService).getAccessToken()).toBe('my-token');
    expect(await moduleRef.get(InvoicesService).status('20515809822-01-F001-1')).toMatchObject({
      document_status: 1,
    });
    await moduleRef.close();
  });

  it('3. real HTTP against the local stand-in, for end-to-end tests of your flows', async () => {
    const standIn = await startSendfactStandIn();
    const moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthModule.forRoot({
          isGlobal: true,
          ...STAND_IN_DEFAULT_ACCOUNT,
          baseUrl: standIn.url,
        }),
        InvoicesModule,
      ],
    }).compile();
    const invoices = moduleRef.get(InvoicesService);
    const { fileName } = await invoices.issueDemoInvoice();
    expect(await invoices.status(fileName)).toMatchObject({ document_status: 1 });
    expect(standIn.stats.tokenRequests).toBe(1);
    await moduleRef.close();
    await standIn.close();
  });
});
