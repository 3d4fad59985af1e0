import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Injectable, Module, type DynamicModule, type Type } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactConfigError,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import { ResolvedSendfactAuthOptions } from '../../lib/sendfact-auth.options.js';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const PASSWORD = 'Pw-for-config-spec-91xq';

let standIn: SendfactStandIn;
beforeAll(async () => {
  standIn = await startSendfactStandIn({
    accounts: [{ username: 'USER20515809822', password: PASSWORD }],
  });
});
afterAll(() => standIn.close());
afterEach(() => vi.unstubAllEnvs());

function stubEnv(vars: Record<string, string>) {
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
}

type Import = DynamicModule | Promise<DynamicModule> | Type;

async function boot(...imports: Import[]) {
  @Module({ imports })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
}

async function bootError(...imports: Import[]): Promise<SendfactConfigError> {
  const error = await boot(...imports).then(
    (app) => app.close().then(() => undefined),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SendfactConfigError);
  return error as SendfactConfigError;
}

describe('configuration through @nestjs/config', () => {
  it('forRoot() with no argument reads the SENDFACT_* variables', async () => {
    stubEnv({
      SENDFACT_USERNAME: 'USER20515809822',
      SENDFACT_PASSWORD: PASSWORD,
      SENDFACT_BASE_URL: standIn.url,
      SENDFACT_TIMEOUT_MS: '2500',
    });
    const app = await boot(
      ConfigModule.forRoot({ ignoreEnvFile: true }),
      SendfactAuthModule.forRoot(),
    );
    const options = app.get<ResolvedSendfactAuthOptions>(SENDFACT_AUTH_OPTIONS);
    expect(options).toMatchObject({
      baseUrl: standIn.url,
      username: 'USER20515809822',
      timeoutMs: 2500,
      environment: 'demo',
    });
    expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
    expect(app.get(ConfigService).get('sendfact.SENDFACT_USERNAME')).toBe('USER20515809822');
    await app.close();
  });

  it('reads the variables from a .env file loaded by ConfigModule.forRoot()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sendfact-env-'));
    const envFile = join(dir, '.env');
    writeFileSync(
      envFile,
      `SENDFACT_USERNAME=USER20515809822\nSENDFACT_PASSWORD=${PASSWORD}\nSENDFACT_BASE_URL=${standIn.url}\n`,
    );
    vi.stubEnv('SENDFACT_USERNAME', undefined);
    vi.stubEnv('SENDFACT_PASSWORD', undefined);
    vi.stubEnv('SENDFACT_BASE_URL', undefined);
    try {
      const app = await boot(
        ConfigModule.forRoot({ envFilePath: envFile }),
        SendfactAuthModule.forRoot(),
      );
      expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const name of ['SENDFACT_USERNAME', 'SENDFACT_PASSWORD', 'SENDFACT_BASE_URL'])
        delete process.env[name];
    }
  });

  it('defaults to the demo environment and a 10 s timeout; production picks its own URL', async () => {
    stubEnv({ SENDFACT_USERNAME: 'USER20515809822', SENDFACT_PASSWORD: PASSWORD });
    const demo = await boot(SendfactAuthModule.forRoot());
    expect(demo.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({
      baseUrl: 'https://demo-api.sendfact.com',
      origin: 'https://demo-api.sendfact.com',
      timeoutMs: 10_000,
    });
    await demo.close();
    stubEnv({ SENDFACT_ENVIRONMENT: 'production' });
    const prod = await boot(SendfactAuthModule.forRoot());
    expect(prod.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({
      baseUrl: 'https://api.sendfact.com',
      environment: 'production',
    });
    await prod.close();
  });

  it('lets options given to forRoot win over the environment', async () => {
    stubEnv({
      SENDFACT_USERNAME: 'USER-from-env',
      SENDFACT_PASSWORD: 'env-password',
      SENDFACT_BASE_URL: 'http://127.0.0.1:9',
      SENDFACT_TIMEOUT_MS: 'not-a-number', // overridden, so not an error
    });
    const app = await boot(
      SendfactAuthModule.forRoot({
        username: 'USER20515809822',
        password: PASSWORD,
        baseUrl: standIn.url,
        timeoutMs: 1234,
      }),
    );
    expect(app.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({
      username: 'USER20515809822',
      baseUrl: standIn.url,
      timeoutMs: 1234,
    });
    expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
    await app.close();
  });

  it('fails the boot naming a missing variable, and never shows the password', async () => {
    vi.stubEnv('SENDFACT_USERNAME', undefined);
    stubEnv({ SENDFACT_PASSWORD: PASSWORD });
    const error = await bootError(SendfactAuthModule.forRoot());
    expect(error.message).toContain('SENDFACT_USERNAME is required');
    expect(error.problems).toEqual(['SENDFACT_USERNAME is required']);
    for (const text of [
      error.message,
      inspect(error),
      JSON.stringify(error),
      String(error.stack),
    ]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('names every malformed variable at once, without its value', async () => {
    vi.stubEnv('SENDFACT_PASSWORD', undefined);
    stubEnv({
      SENDFACT_USERNAME: 'USER20515809822',
      SENDFACT_ENVIRONMENT: 'staging-secret-value',
      SENDFACT_TIMEOUT_MS: 'ten seconds',
      SENDFACT_BASE_URL: 'not a url',
    });
    const error = await bootError(SendfactAuthModule.forRoot());
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'SENDFACT_PASSWORD is required',
        'SENDFACT_ENVIRONMENT must be "demo" or "production"',
        'SENDFACT_TIMEOUT_MS must be a whole number of milliseconds',
        'SENDFACT_BASE_URL must be an http:// or https:// URL',
      ]),
    );
    expect(error.message).not.toContain('staging-secret-value');
    expect(error.message).not.toContain('ten seconds');
  });

  it('names the option, not the variable, when an option is malformed', async () => {
    const error = await bootError(
      SendfactAuthModule.forRoot({
        username: 'u',
        password: PASSWORD,
        baseUrl: standIn.url,
        timeoutMs: -1,
      }),
    );
    expect(error.problems).toEqual([
      'the timeoutMs option must be a whole number of milliseconds from 1 to 300000',
    ]);
  });

  it('refuses plain http:// for a host that is not loopback unless explicitly allowed', async () => {
    const base = { username: 'USER20515809822', password: PASSWORD };
    const error = await bootError(
      SendfactAuthModule.forRoot({ ...base, baseUrl: 'http://sendfact.internal:8080' }),
    );
    expect(error.message).toMatch(/plain http:\/\/ for a host that is not loopback/);

    const allowed = await boot(
      SendfactAuthModule.forRoot({
        ...base,
        baseUrl: 'http://sendfact.internal:8080',
        allowInsecureHttp: true,
      }),
    );
    expect(allowed.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({
      origin: 'http://sendfact.internal:8080',
    });
    await allowed.close();

    stubEnv({
      SENDFACT_BASE_URL: 'http://sendfact.internal:8080',
      SENDFACT_ALLOW_INSECURE_HTTP: 'true',
    });
    const fromEnv = await boot(SendfactAuthModule.forRoot(base));
    expect(fromEnv.get(SENDFACT_AUTH_OPTIONS)).toMatchObject({ allowInsecureHttp: true });
    await fromEnv.close();

    for (const loopback of [
      'http://127.0.0.1:4010',
      'http://localhost:4010',
      'http://[::1]:4010',
    ]) {
      const app = await boot(SendfactAuthModule.forRoot({ ...base, baseUrl: loopback }));
      await app.close();
    }
  });

  it('refuses credentials, queries or fragments in the base URL', async () => {
    const base = { username: 'USER20515809822', password: PASSWORD };
    const inUrl = await bootError(
      SendfactAuthModule.forRoot({ ...base, baseUrl: 'https://user:pw@demo-api.sendfact.com' }),
    );
    expect(inUrl.message).toContain('must not carry credentials');
    const query = await bootError(
      SendfactAuthModule.forRoot({ ...base, baseUrl: 'https://demo-api.sendfact.com/?a=1' }),
    );
    expect(query.message).toContain('must not have a query');
  });

  it('validates refresh tuning', async () => {
    const error = await bootError(
      SendfactAuthModule.forRoot({
        username: 'u',
        password: PASSWORD,
        baseUrl: standIn.url,
        refresh: { refreshAheadRatio: 1.5, maxAttempts: 0 },
      }),
    );
    expect(error.problems).toEqual([
      'refresh.refreshAheadRatio must be a number in (0, 1)',
      'refresh.maxAttempts must be an integer from 1 to 10',
    ]);
  });

  it('forRootAsync takes options from a factory with imports and inject', async () => {
    const app = await boot(
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [
          () => ({ billing: { user: 'USER20515809822', secret: PASSWORD, url: standIn.url } }),
        ],
      }),
      SendfactAuthModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          username: config.getOrThrow<string>('billing.user'),
          password: config.getOrThrow<string>('billing.secret'),
          baseUrl: config.getOrThrow<string>('billing.url'),
        }),
      }),
    );
    expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
    await app.close();
  });

  it('isGlobal makes the services injectable in modules that do not import it', async () => {
    @Injectable()
    class InvoiceSender {
      constructor(
        readonly http: SendfactHttpService,
        readonly auth: SendfactAuthService,
      ) {}
    }
    @Module({ providers: [InvoiceSender] })
    class InvoicesModule {}

    const app = await boot(
      SendfactAuthModule.forRootAsync({
        isGlobal: true,
        useFactory: () => ({
          username: 'USER20515809822',
          password: PASSWORD,
          baseUrl: standIn.url,
        }),
      }),
      InvoicesModule,
    );
    const sender = app.get(InvoiceSender);
    expect(sender.http).toBeInstanceOf(SendfactHttpService);
    expect(await sender.auth.getAccessToken()).toMatch(/^ey/);
    await app.close();

    const notGlobal = await boot(
      SendfactAuthModule.forRoot({
        username: 'USER20515809822',
        password: PASSWORD,
        baseUrl: standIn.url,
      }),
      InvoicesModule,
    ).catch((e: unknown) => e);
    expect(String(notGlobal)).toMatch(/can't resolve dependencies of the InvoiceSender/i);
  });

  it('shows neither the password in util.inspect nor JSON of the options and env namespace', async () => {
    stubEnv({
      SENDFACT_USERNAME: 'USER20515809822',
      SENDFACT_PASSWORD: PASSWORD,
      SENDFACT_BASE_URL: standIn.url,
    });
    const app = await boot(
      ConfigModule.forRoot({ ignoreEnvFile: true }),
      SendfactAuthModule.forRoot(),
    );
    const options = app.get(SENDFACT_AUTH_OPTIONS);
    const namespace = app.get(ConfigService).get('sendfact');
    for (const text of [
      inspect(options, { depth: 10, showHidden: true }),
      JSON.stringify(options),
      inspect(namespace),
      JSON.stringify(namespace),
    ]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(inspect(options)).toContain('[redacted]');
    expect(options.credentialsFor('default')?.password).toBe(PASSWORD); // still usable by the module itself
    await app.close();
  });
});
