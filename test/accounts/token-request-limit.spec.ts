import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InMemoryTokenStore, SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { describe, expect, it } from 'vitest';

const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const OTHERS = Array.from({ length: 20 }, (_, i) => ({
  username: `USER2051580982${i}`,
  password: `pw-${i}`,
}));

describe('maxConcurrentTokenRequests with a shared store and a slow token endpoint', () => {
  it('makes one token request per credential, and accounts with one login share its token', async () => {
    const standIn = await startSendfactStandIn({ accounts: [ACME, ...OTHERS] });
    const accounts: Record<string, { username: string; password: string }> = {
      acme: ACME,
      'acme-billing': { ...ACME },
    };
    OTHERS.forEach((login, i) => (accounts[`t${i}`] = login));
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          accounts,
          baseUrl: standIn.url,
          tokenStore: new InMemoryTokenStore(),
          maxConcurrentTokenRequests: 1,
          timeoutMs: 1_000,
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const auth = app.get(SendfactAuthService);
      // Queued one at a time, 21 token requests of 200 ms take far longer than a lease (timeoutMs + 1 s).
      standIn.failNextTokenRequests(OTHERS.length + 1, { type: 'delay', ms: 200 });
      const cold = OTHERS.map((_, i) => auth.getAccessToken(`t${i}`));
      const [a, b] = await Promise.all([
        auth.getAccessToken('acme'),
        auth.getAccessToken('acme-billing'),
        ...cold,
      ]);
      expect(standIn.stats.tokenRequests).toBe(OTHERS.length + 1);
      expect(a).toBe(b);
    } finally {
      await app.close();
      await standIn.close();
    }
  });
});
