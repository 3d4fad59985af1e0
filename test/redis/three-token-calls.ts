import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { RedisTokenStore, type RedisTokenStoreOptions } from 'nestjs-sendfact-auth/redis';
import { startSendfactStandIn } from 'nestjs-sendfact-auth/testing';

/**
 * One app on a store the test expects to fail (a refused ACL, an untrusted certificate): three token calls,
 * each after the last token was dropped, with the app's log lines and the token requests they cost.
 */
export async function threeTokenCalls(
  store: RedisTokenStoreOptions,
  login: { username: string; password: string },
) {
  const standIn = await startSendfactStandIn({ accounts: [login] });
  const lines: string[] = [];
  const logger: LoggerService = {
    log: (m: unknown) => lines.push(`log ${String(m)}`),
    warn: (m: unknown) => lines.push(`warn ${String(m)}`),
    error: (m: unknown) => lines.push(`error ${String(m)}`),
  };
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        ...login,
        baseUrl: standIn.url,
        // With a key secret, as the README shows: the one warning is then the store's failure.
        tokenStore: new RedisTokenStore({ keySecret: 'a-key-secret-of-16-bytes', ...store }),
      }),
    ],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger });
  try {
    const auth = app.get(SendfactAuthService);
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      tokens.push(await auth.getAccessToken());
      auth.invalidateAccessToken();
    }
    return { lines, tokens, tokenRequests: standIn.stats.tokenRequests };
  } finally {
    await app.close();
    await standIn.close();
  }
}
