/**
 * The testing kit with an app that picks the account per company (its RUC): named accounts, a resolver, and
 * how a test tells the accounts apart.
 */
import { Test, type TestingModule } from '@nestjs/testing';
import {
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactCpeService,
  SendfactHttpService,
  SendfactUnknownAccountError,
} from 'nestjs-sendfact-auth';
import {
  SENDFACT_TEST_TOKEN,
  SendfactAuthTestingModule,
  createSendfactTestingOptions,
  type SendfactTestRequest,
} from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

const ACME = { username: 'USER20100070970', password: 'acme-password' };
const BETA = { username: 'USER20131312955', password: 'beta-password' };

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

/** Answers every call with who it came for: the account and the token it carried. */
const echo = (seen: SendfactTestRequest[]) => (request: SendfactTestRequest) => {
  seen.push(request);
  return { data: { document_status: 1, message: 'ok' } };
};

describe('SendfactAuthTestingModule with accounts', () => {
  it('gives each named account its own fixed token, and tells a test which account a request was for', async () => {
    const seen: SendfactTestRequest[] = [];
    moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthTestingModule.forRoot({
          accounts: { '20100070970': ACME, '20131312955': BETA },
          respond: echo(seen),
        }),
      ],
    }).compile();
    const auth = moduleRef.get(SendfactAuthService);
    const http = moduleRef.get(SendfactHttpService);
    expect(await auth.getAccessToken()).toBe(SENDFACT_TEST_TOKEN);
    expect(await auth.getAccessToken('20100070970')).toBe(`${SENDFACT_TEST_TOKEN}.USER20100070970`);
    await firstValueFrom(http.forAccount('20131312955').get('/api/cpe/x/status'));
    await firstValueFrom(http.get('/api/cpe/y/status', { sendfactAccount: '20100070970' }));
    await moduleRef.get(SendfactCpeService).status('z');
    expect(seen.map((r) => [r.account, r.headers['Authorization']])).toEqual([
      ['20131312955', `Bearer ${SENDFACT_TEST_TOKEN}.USER20131312955`],
      ['20100070970', `Bearer ${SENDFACT_TEST_TOKEN}.USER20100070970`],
      [undefined, `Bearer ${SENDFACT_TEST_TOKEN}`],
    ]);
  });

  it('fails a call for an unknown account as production does', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [SendfactAuthTestingModule.forRoot({ accounts: { '20100070970': ACME } })],
    }).compile();
    const auth = moduleRef.get(SendfactAuthService);
    await expect(auth.getAccessToken('20515809822')).rejects.toBeInstanceOf(
      SendfactUnknownAccountError,
    );
    await expect(
      firstValueFrom(moduleRef.get(SendfactHttpService).forAccount('20515809822').get('/x')),
    ).rejects.toMatchObject({ name: 'SendfactUnknownAccountError', accountId: '20515809822' });
  });

  it('takes a credentialsResolver, as forRoot() does: known ids get a token, unknown ones the same error', async () => {
    const asked: string[] = [];
    moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthTestingModule.forRoot({
          credentialsResolver: async (id) => {
            asked.push(id);
            return id === '20131312955' ? BETA : undefined;
          },
        }),
      ],
    }).compile();
    const auth = moduleRef.get(SendfactAuthService);
    expect(await auth.getAccessToken('20131312955')).toBe(`${SENDFACT_TEST_TOKEN}.USER20131312955`);
    await expect(auth.getAccessToken('20999999999')).rejects.toBeInstanceOf(
      SendfactUnknownAccountError,
    );
    expect(asked).toEqual(['20131312955', '20999999999']);
  });

  it('overrides the options of an app that names its accounts, with the same accounts', async () => {
    const seen: SendfactTestRequest[] = [];
    moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthModule.forRoot({
          accounts: { '20100070970': ACME },
          baseUrl: 'https://demo-api.sendfact.com',
        }),
      ],
    })
      .overrideProvider(SENDFACT_AUTH_OPTIONS)
      .useValue(
        createSendfactTestingOptions({ accounts: { '20100070970': ACME }, respond: echo(seen) }),
      )
      .compile();
    await moduleRef.get(SendfactCpeService).status('x', '20100070970');
    expect(seen[0]).toMatchObject({
      account: '20100070970',
      headers: { Authorization: `Bearer ${SENDFACT_TEST_TOKEN}.USER20100070970` },
    });
  });
});
