import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  type SendfactAuthModuleOptions,
  SendfactAuthService,
  SendfactConfigError,
  SendfactCredentialsError,
  SendfactHttpService,
  SendfactUnknownAccountError,
} from 'nestjs-sendfact-auth';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jwtClaims } from '../support/jwt.js';
import { FakeClock } from '../support/fake-clock.js';

/** Three issuing companies; each username carries its RUC. */
const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const BETA = { username: 'USER20131312955', password: 'beta-pw' };
const GAMMA = { username: 'USER20515809822', password: 'gamma-pw' };
const ruc = (login: { username: string }) => login.username.slice(4);
const invoice = (login: { username: string }, n: number) => ({
  file_name: `${ruc(login)}-01-F001-${n}`,
  file_content: Buffer.from('<Invoice/>').toString('base64'),
});

let standIn: SendfactStandIn;
beforeAll(async () => {
  standIn = await startSendfactStandIn({ accounts: [ACME, BETA, GAMMA] });
});
afterAll(() => standIn.close());
afterEach(() => {
  standIn.resetStats();
  standIn.clearFaults();
  vi.unstubAllEnvs();
});

async function boot(options: SendfactAuthModuleOptions) {
  @Module({ imports: [SendfactAuthModule.forRoot({ baseUrl: standIn.url, ...options })] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  return { app, auth: app.get(SendfactAuthService), http: app.get(SendfactHttpService) };
}

const subject = (token: string) => jwtClaims(token)['sub'];

describe('many accounts in one app', () => {
  it('keeps one token per account, each from its own credentials', async () => {
    const { app, auth } = await boot({ ...GAMMA, accounts: { acme: ACME, beta: BETA } });
    expect(subject(await auth.getAccessToken())).toBe(GAMMA.username);
    expect(subject(await auth.getAccessToken('acme'))).toBe(ACME.username);
    expect(subject(await auth.getAccessToken('beta'))).toBe(BETA.username);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => auth.getAccessToken(['acme', 'beta', undefined][i % 3])),
    );
    expect(standIn.stats.tokenRequests).toBe(3);
    expect(auth.getTokenState('acme')).toMatchObject({ accountId: 'acme', status: 'valid' });
    await app.close();
  });

  it('reads accounts from SENDFACT_ACCOUNT_<ID>_USERNAME / _PASSWORD, ids lower-cased', async () => {
    vi.stubEnv('SENDFACT_ACCOUNT_ACME_USERNAME', ACME.username);
    vi.stubEnv('SENDFACT_ACCOUNT_ACME_PASSWORD', ACME.password);
    vi.stubEnv('SENDFACT_ACCOUNT_BETA_CO_USERNAME', BETA.username);
    vi.stubEnv('SENDFACT_ACCOUNT_BETA_CO_PASSWORD', BETA.password);
    vi.stubEnv('SENDFACT_DEFAULT_ACCOUNT', 'acme');
    const { app, auth } = await boot({});
    expect(subject(await auth.getAccessToken())).toBe(ACME.username); // the default account
    expect(subject(await auth.getAccessToken('beta_co'))).toBe(BETA.username);
    expect(standIn.stats.tokenRequests).toBe(2); // the default is acme itself, not a second engine
    await app.close();
  });

  it('names the missing half of an account in the environment', async () => {
    vi.stubEnv('SENDFACT_ACCOUNT_ACME_USERNAME', ACME.username);
    const error = await boot({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect((error as SendfactConfigError).problems).toEqual([
      'SENDFACT_ACCOUNT_ACME_PASSWORD is required',
    ]);
  });

  it('rejects calls that name no account when there is no default, and unknown accounts', async () => {
    const { app, auth } = await boot({ accounts: { acme: ACME } });
    await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SendfactUnknownAccountError);
    await expect(auth.getAccessToken('nobody')).rejects.toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
      accountId: 'nobody',
    });
    expect(auth.peekAccessToken('nobody')).toBeUndefined();
    expect(standIn.stats.tokenRequests).toBe(0);
    await app.close();
  });

  it('resolves tenants through credentialsResolver once, and again after Sendfact refuses them', async () => {
    const tenants = new Map([
      ['t-1', { ...ACME }],
      ['t-2', { ...BETA }],
    ]);
    const resolver = vi.fn<
      (id: string) => Promise<{ username: string; password: string } | undefined>
    >(async (id) => tenants.get(id));
    const { app, auth } = await boot({ credentialsResolver: resolver });
    await Promise.all(Array.from({ length: 20 }, () => auth.getAccessToken('t-1')));
    expect(resolver).toHaveBeenCalledTimes(1);
    await expect(auth.getAccessToken('t-9')).rejects.toBeInstanceOf(SendfactUnknownAccountError);

    // The tenant's password is rotated at Sendfact, then in the database.
    tenants.get('t-2')!.password = 'stale';
    await expect(auth.getAccessToken('t-2')).rejects.toBeInstanceOf(SendfactCredentialsError);
    tenants.get('t-2')!.password = BETA.password;
    await expect(auth.refreshAccessToken('t-2')).resolves.toMatch(/^ey/);
    expect(resolver.mock.calls.filter(([id]) => id === 't-2')).toHaveLength(2);
    await app.close();
  });

  it('picks the account per request: sendfactAccount and forAccount()', async () => {
    const { app, http } = await boot({ ...GAMMA, accounts: { acme: ACME, beta: BETA } });
    await firstValueFrom(http.post('/api/cpe/send', invoice(ACME, 1), { sendfactAccount: 'acme' }));
    await firstValueFrom(http.forAccount('beta').post('/api/cpe/send', invoice(BETA, 1)));
    await http.forAccount('acme').axiosRef.post('/api/cpe/send', invoice(ACME, 2));
    await firstValueFrom(http.post('/api/cpe/send', invoice(GAMMA, 1)));
    expect(http.forAccount('acme')).toBe(http.forAccount('acme'));
    expect(standIn.log.filter((e) => e.path === '/api/cpe/send').map((e) => e.account)).toEqual([
      ACME.username,
      BETA.username,
      ACME.username,
      GAMMA.username,
    ]);
    await app.close();
  });

  it('never sends the token of one account on a request for another, under concurrent mixed traffic', async () => {
    const { app, auth, http } = await boot({ ...GAMMA, accounts: { acme: ACME, beta: BETA } });
    const logins = { acme: ACME, beta: BETA, default: GAMMA } as const;
    const ids = Object.keys(logins) as (keyof typeof logins)[];
    const ROUNDS = 4;
    const WORKERS = 24;
    const CALLS = 2;
    let sent = 0;
    // Counted, not timed: each round, 24 workers send for all three accounts while every account's token is
    // replaced under them (a forced refresh; from the second round on, a token is held, so each is a new
    // token request), so requests go out on old and new tokens of all accounts at once, however slow the
    // machine.
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all([
        ...ids.map((id) => auth.refreshAccessToken(id === 'default' ? undefined : id)),
        ...Array.from({ length: WORKERS }, async (_, worker) => {
          for (let n = 0; n < CALLS; n++) {
            const id = ids[(worker + n + round) % ids.length]!;
            const client = id === 'default' ? http : http.forAccount(id);
            // Sendfact answers 403 when the document's RUC is not the token's company.
            const res = await firstValueFrom(
              client.post(
                '/api/cpe/send',
                invoice(logins[id], round * 100_000 + worker * 1000 + n),
              ),
            );
            expect(res.status).toBe(200);
            sent++;
          }
        }),
      ]);
    }
    const sends = standIn.log.filter((e) => e.path === '/api/cpe/send');
    expect(sent).toBe(ROUNDS * WORKERS * CALLS);
    expect(sends).toHaveLength(sent);
    // At least one token per account, then one refresh per account per later round.
    expect(standIn.stats.tokenRequests).toBeGreaterThanOrEqual(ids.length * ROUNDS);
    expect(sends.filter((e) => e.auth !== 'ok' || e.status !== 200)).toEqual([]);
    await app.close();
  });

  it('keeps one account working while another has bad credentials', async () => {
    const { app, auth, http } = await boot({
      ...GAMMA,
      accounts: { acme: ACME, broken: { ...BETA, password: 'wrong' } },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? firstValueFrom(http.forAccount('acme').post('/api/cpe/send', invoice(ACME, i)))
          : auth.getAccessToken('broken'),
      ),
    );
    expect(results.filter((r, i) => i % 2 === 0 && r.status === 'fulfilled')).toHaveLength(20);
    expect(
      results.filter(
        (r, i) =>
          i % 2 === 1 && r.status === 'rejected' && r.reason instanceof SendfactCredentialsError,
      ),
    ).toHaveLength(20);
    expect(auth.getTokenState('acme').usable).toBe(true);
    expect(standIn.stats.tokenRequests).toBe(2); // one each: no retry storm for the broken one
    await app.close();
  });

  it('drops idle accounts and caps how many it holds', async () => {
    const clock = new FakeClock();
    for (let i = 0; i < 120; i++)
      standIn.addAccount({ username: `USER2${String(i).padStart(10, '0')}`, password: 'pw' });
    const { app, auth } = await boot({
      clock,
      maxAccounts: 50,
      accountIdleTtlMs: 60_000,
      credentialsResolver: (id) => ({ username: `USER2${id.padStart(10, '0')}`, password: 'pw' }),
    });
    for (let i = 0; i < 120; i++) await auth.getAccessToken(String(i));
    expect(auth.activeAccounts.length).toBe(50);
    expect(auth.activeAccounts).toContain('119');
    expect(auth.activeAccounts).not.toContain('0');
    await clock.advance(61_000);
    await clock.advance(31_000);
    expect(auth.activeAccounts).toEqual([]);
    expect(await auth.getAccessToken('7')).toMatch(/^ey/); // comes back on next use
    await app.close();
  });
});
