import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InMemoryTokenStore,
  SendfactAuthModule,
  type SendfactAuthModuleOptions,
  SendfactAuthService,
  SendfactCredentialsError,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** A company's real login, and a tenant that claims its username with a password Sendfact refuses. */
const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const IMPOSTOR = { username: ACME.username, password: 'guessed-wrong' };
const STATUS = '/api/cpe/20100070970-01-F001-1/status';

let standIn: SendfactStandIn;
beforeAll(async () => {
  standIn = await startSendfactStandIn({ accounts: [ACME] });
});
afterAll(() => standIn.close());
afterEach(() => {
  standIn.resetStats();
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

describe('two accounts with the same username, one with a wrong password', () => {
  it('never hands the right account’s token to the wrong one (accounts option), even once it is held', async () => {
    const { app, auth, http } = await boot({ accounts: { acme: ACME, impostor: IMPOSTOR } });
    const token = await auth.getAccessToken('acme');
    expect(token).toMatch(/^ey/);
    await expect(auth.getAccessToken('impostor')).rejects.toBeInstanceOf(SendfactCredentialsError);
    await expect(auth.refreshAccessToken('impostor')).rejects.toBeInstanceOf(
      SendfactCredentialsError,
    );
    const call = await firstValueFrom(
      http.forAccount('impostor').get(STATUS, { validateStatus: () => true }),
    ).catch((error: unknown) => error);
    expect(call).toBeInstanceOf(SendfactCredentialsError);
    expect(auth.peekAccessToken('impostor')).toBeUndefined();
    // Only the right account was ever given a token; the wrong one met Sendfact's refusal.
    expect(standIn.stats.tokensIssued).toBe(1);
    expect(standIn.stats.tokenRequestsRejected).toBeGreaterThanOrEqual(1);
    expect(await auth.getAccessToken('acme')).toBe(token);
    await app.close();
  });

  it('never hands it to a resolved tenant with the wrong password, nor across apps sharing a store', async () => {
    const store = new InMemoryTokenStore();
    const right = await boot({ ...ACME, tokenStore: store });
    const wrong = await boot({
      tokenStore: store,
      credentialsResolver: (id) => (id === 'tenant-9' ? IMPOSTOR : undefined),
    });
    expect(await right.auth.getAccessToken()).toMatch(/^ey/);
    await expect(wrong.auth.getAccessToken('tenant-9')).rejects.toBeInstanceOf(
      SendfactCredentialsError,
    );
    await right.app.close();
    await wrong.app.close();
  });

  it('still shares one token between accounts with the same username AND password', async () => {
    const { app, auth } = await boot({ accounts: { acme: ACME, 'acme-billing': { ...ACME } } });
    const [a, b] = await Promise.all([
      auth.getAccessToken('acme'),
      auth.getAccessToken('acme-billing'),
    ]);
    expect(a).toBe(b);
    expect(standIn.stats.tokenRequests).toBe(1);
    await app.close();
  });
});
