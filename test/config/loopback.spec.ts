import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthModule,
  SendfactConfigError,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../lib/config/base-url.js';

const LOGIN = { username: 'USER20515809822', password: 'loopback-pw' };

async function boot(baseUrl: string) {
  @Module({ imports: [SendfactAuthModule.forRoot({ ...LOGIN, baseUrl })] })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
}

describe('plain http:// is allowed for loopback only, written literally', () => {
  it.each([
    'http://evil.localhost:4010',
    'http://a.b.localhost',
    'http://LOCALHOST.localhost',
    'http://localhost.:4010',
    'http://127.0.0.1.nip.io',
    'http://[::ffff:127.0.0.1]',
    'http://0.0.0.0:4010',
  ])('refuses %s without allowInsecureHttp', async (baseUrl) => {
    const error = await boot(baseUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect((error as SendfactConfigError).problems).toEqual([
      'the baseUrl option uses plain http:// for a host that is not loopback; use https:// or set ' +
        'allowInsecureHttp (SENDFACT_ALLOW_INSECURE_HTTP=true) if you really mean it',
    ]);
  });

  it.each([
    ['http://localhost:4010', 'http://localhost:4010'],
    ['http://LocalHost:4010', 'http://localhost:4010'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
    ['http://127.255.3.9', 'http://127.255.3.9'],
    ['http://127.1:4010', 'http://127.0.0.1:4010'],
    ['http://[::1]:4010', 'http://[::1]:4010'],
    ['http://[0:0:0:0:0:0:0:1]:4010', 'http://[::1]:4010'],
  ])('accepts %s', async (baseUrl, origin) => {
    const app = await boot(baseUrl);
    expect(app.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({ origin });
    await app.close();
  });

  it('judges the hostname as URL normalises it', () => {
    expect(['localhost', '127.0.0.1', '127.9.9.9', '[::1]'].filter((h) => !isLoopback(h))).toEqual(
      [],
    );
    expect(
      [
        'evil.localhost',
        'localhost.',
        '::1',
        '128.0.0.1',
        '127.0.0.1.example',
        '[::ffff:7f00:1]',
      ].filter((h) => isLoopback(h)),
    ).toEqual([]);
  });
});
