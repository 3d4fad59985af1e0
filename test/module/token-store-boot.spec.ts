import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InMemoryTokenStore, SendfactAuthModule } from 'nestjs-sendfact-auth';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import { describe, expect, it } from 'vitest';

/** The in-memory store, with a ready() that answers when the test says. */
class SlowStore extends InMemoryTokenStore {
  readyAt: number | undefined;
  constructor(readonly delayMs: number | 'never') {
    super();
  }
  ready(): Promise<void> {
    if (this.delayMs === 'never') return new Promise(() => undefined);
    return new Promise((resolve) =>
      setTimeout(() => {
        this.readyAt = performance.now();
        resolve();
      }, this.delayMs as number),
    );
  }
}

async function boot(store: SlowStore, logger: LoggerService | false = false) {
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        ...STAND_IN_DEFAULT_ACCOUNT,
        baseUrl: 'http://127.0.0.1:9',
        tokenStore: store,
      }),
    ],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger });
  return { app, bootedAt: performance.now() };
}

describe('the token store at boot', () => {
  it('is waited for: the app is up only once the store answers', async () => {
    const store = new SlowStore(300);
    const { app, bootedAt } = await boot(store);
    expect(store.readyAt).toBeDefined();
    expect(store.readyAt!).toBeLessThanOrEqual(bootedAt);
    await app.close();
  });

  it('does not hold the boot for ever: past the bound the app starts with a warning', async () => {
    const lines: string[] = [];
    const logger: LoggerService = {
      log: () => {},
      error: () => {},
      warn: (m: unknown) => lines.push(String(m)),
    };
    const { app } = await boot(new SlowStore('never'), logger);
    expect(lines).toContain(
      'The token store did not answer within 1000 ms: each process gets its own tokens until it does',
    );
    await app.close();
  });
});

/** A store other processes could list, as RedisTokenStore is: keys derived with scrypt, or an HMAC. */
class SharedStore extends SlowStore {
  constructor(derivation: 'scrypt' | { hmacSecret: string }) {
    super(0);
    Object.defineProperty(this, 'keyDerivation', { value: derivation });
  }
}
/** The boot warnings about keySecret that `store` gets. */
const warnings = async (store: SlowStore) => {
  const lines: string[] = [];
  const logger: LoggerService = {
    log: () => {},
    error: () => {},
    warn: (m: unknown) => lines.push(String(m)),
  };
  const { app } = await boot(store, logger);
  await app.close();
  return lines.filter((line) => line.includes('keySecret'));
};

describe('a shared store without a key secret', () => {
  it('says so once at boot: the cost per account, keySecret and the variable the docs use for it', async () => {
    const lines = await warnings(new SharedStore('scrypt'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/scrypt: about \d+ ms of CPU per account/);
    expect(lines[0]).toContain('SENDFACT_TOKEN_KEY_SECRET');
  });

  it('says nothing with a secret, or for the in-memory store', async () => {
    expect(await warnings(new SharedStore({ hmacSecret: 'a-secret-of-16-bytes-or-more' }))).toEqual(
      [],
    );
    expect(await warnings(new SlowStore(0))).toEqual([]);
  });
});
