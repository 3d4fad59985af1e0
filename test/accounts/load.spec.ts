import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  type SendfactAuthModuleOptions,
  SendfactAuthService,
  SendfactConfigError,
  SendfactTooManyAccountsError,
} from 'nestjs-sendfact-auth';
import { MAX_TIMEOUT_MS } from '../../lib/sendfact-auth.constants.js';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { jwtClaims } from '../support/jwt.js';
import { type CountingProxy, startCountingProxy } from '../support/counting-proxy.js';

/** Tenant `n`'s login: a username of its own for every account. */
const login = (id: string) => ({ username: `USER3${id.padStart(10, '0')}`, password: `pw-${id}` });

let standIn: SendfactStandIn | undefined;
let proxy: CountingProxy | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await proxy?.close();
  await standIn?.close();
  standIn = proxy = close = undefined;
});

async function boot(baseUrl: string, options: SendfactAuthModuleOptions) {
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl,
        credentialsResolver: (id) => login(id),
        ...options,
      }),
    ],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  close = () => app.close();
  return app.get(SendfactAuthService);
}

describe('bounds under load', () => {
  it('holds at most maxAccounts (100) accounts with a hanging token endpoint; the 1,900 others fail fast', async () => {
    standIn = await startSendfactStandIn();
    standIn.failNextTokenRequests(10_000, { type: 'hang' });
    const auth = await boot(standIn.url, { maxAccounts: 100 });
    const calls = Array.from({ length: 2_000 }, (_, i) =>
      auth.getAccessToken(String(i)).then(
        () => 'token',
        (error: unknown) => error,
      ),
    );
    // Every account past the hundredth is refused at once, while the first hundred still hang.
    const refused = await Promise.all(calls.slice(100));
    for (const [i, e] of refused.entries())
      expect(e, `refusal #${i}`).toBeInstanceOf(SendfactTooManyAccountsError);
    expect(refused[0]).toMatchObject({
      code: 'TOO_MANY_ACCOUNTS',
      retryable: true,
      maxAccounts: 100,
    });
    expect(auth.activeAccounts.length).toBe(100);
    // Not one token request per account either: the process-wide cap (32 by default) holds them back.
    expect(standIn.stats.tokenRequests).toBeLessThanOrEqual(32);
  });

  it('serves 10,000 cold accounts with never more than maxConcurrentTokenRequests (32) token requests in flight at the server, each its own token', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => String(i));
    // One process serves 10,000 token requests here, and a starved one waited over 100 s for its answer: with
    // 120 s tokens it came too late to be used (past the margin) and was asked again; with a 10 s timeout it
    // was abandoned and asked again. Hour-long tokens and the longest timeout leave no reason to ask twice,
    // so the count of tokens issued below is exactly one per account.
    standIn = await startSendfactStandIn({
      accounts: ids.map(login),
      logLimit: 100,
      tokenLifetimeSeconds: 3_600,
    });
    proxy = await startCountingProxy(standIn.url);
    const auth = await boot(proxy.url, { allowInsecureHttp: true, timeoutMs: MAX_TIMEOUT_MS });
    const tokens = await Promise.all(ids.map((id) => auth.getAccessToken(id)));
    expect(tokens.map((token) => jwtClaims(token)['sub'])).toEqual(
      ids.map((id) => login(id).username),
    );
    expect(standIn.stats.tokensIssued).toBe(10_000);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(32);
    expect(proxy.inFlight).toBe(0);
    // A guard against a hang, not a speed bound: about 100 s on a loaded 2-core machine, 190 s beside two
    // CPU hogs, so 180 s failed there.
  }, 600_000);

  it('takes maxConcurrentTokenRequests as an option, and refuses one that is not a whole number >= 1', async () => {
    standIn = await startSendfactStandIn({ accounts: ['a', 'b', 'c', 'd', 'e'].map(login) });
    proxy = await startCountingProxy(standIn.url);
    const auth = await boot(proxy.url, { maxConcurrentTokenRequests: 1 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => auth.getAccessToken(id)));
    expect(proxy.maxInFlight).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(boot(standIn.url, { maxConcurrentTokenRequests: bad })).rejects.toThrow(
        SendfactConfigError,
      );
    }
  });
});
