import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoggerService, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthModule, SendfactAuthService, SendfactConfigError } from 'nestjs-sendfact-auth';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { peerVersionWarning, readNestPeerVersions } from '../../lib/config/peer-versions.check.js';

const ACME = { username: 'USER20100066603', password: 'boot-warnings-acme' };
const BETA = { username: 'USER20131312955', password: 'boot-warnings-beta' };

let standIn: SendfactStandIn;
beforeAll(async () => {
  standIn = await startSendfactStandIn({ accounts: [ACME, BETA] });
});
afterAll(() => standIn.close());
afterEach(() => vi.unstubAllEnvs());

const installed = (name: string) =>
  JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;

async function boot(...imports: unknown[]) {
  @Module({ imports: imports as never[] })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
}

/** A logger that keeps what the app warns about. */
function warningsLogger(): LoggerService & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    log() {},
    error() {},
    debug() {},
    verbose() {},
    warn: (m) => void warnings.push(String(m)),
  };
}

/**
 * The warnings of an app booted from a folder whose node_modules holds `versions` (what the check reads),
 * while the Nest that runs it is the one installed here.
 */
async function bootWarningsWith(versions: Record<string, string>): Promise<string[]> {
  const app = mkdtempSync(join(tmpdir(), 'sendfact-peers-'));
  for (const [name, version] of Object.entries(versions)) {
    mkdirSync(join(app, 'node_modules', name), { recursive: true });
    writeFileSync(
      join(app, 'node_modules', name, 'package.json'),
      JSON.stringify({ name, version }),
    );
  }
  const cwd = process.cwd();
  try {
    process.chdir(app);
    @Module({ imports: [SendfactAuthModule.forRoot({ ...ACME, baseUrl: standIn.url })] })
    class AppModule {}
    const logger = warningsLogger();
    const context = await NestFactory.createApplicationContext(AppModule, {
      logger,
      abortOnError: false,
    });
    await context.close();
    return logger.warnings;
  } finally {
    process.chdir(cwd);
    rmSync(app, { recursive: true, force: true });
  }
}

describe('SendfactAuthModule registered more than once', () => {
  it('logs one warning that names the modules importing each registration', async () => {
    @Module({ imports: [SendfactAuthModule.forRoot({ ...BETA, baseUrl: standIn.url })] })
    class InvoicesModule {}
    @Module({
      imports: [
        SendfactAuthModule.forRoot({ ...ACME, baseUrl: standIn.url, isGlobal: true }),
        InvoicesModule,
      ],
    })
    class AppModule {}
    const logger = warningsLogger();
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger,
      abortOnError: false,
    });
    const about = logger.warnings.filter((w) => w.includes('registered'));
    expect(about).toEqual([
      'SendfactAuthModule is registered 2 times, each with its own options and tokens: ' +
        '#1 (global) imported by AppModule; #2 imported by InvoicesModule. Each module uses the ' +
        "registration it imports, so the others' options are ignored there. Register it once, in the root " +
        'module with isGlobal: true, and name every company in accounts.',
    ]);
    await app.close();
  });

  it('names the feature module whose own forRootAsync sits next to the root registration', async () => {
    @Module({
      imports: [
        SendfactAuthModule.forRootAsync({
          useFactory: () => ({ ...BETA, baseUrl: standIn.url }),
        }),
      ],
    })
    class BillingModule {}
    @Module({
      imports: [SendfactAuthModule.forRoot({ ...ACME, baseUrl: standIn.url }), BillingModule],
    })
    class AppModule {}
    const logger = warningsLogger();
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger,
      abortOnError: false,
    });
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain(
      'registered 2 times, each with its own options and tokens: #1 imported by AppModule; ' +
        '#2 imported by BillingModule.',
    );
    await app.close();
  });

  it('stays quiet for one registration imported from two places', async () => {
    const registration = SendfactAuthModule.forRoot({ ...ACME, baseUrl: standIn.url });
    @Module({ imports: [registration], exports: [registration] })
    class SharedModule {}
    @Module({ imports: [registration, SharedModule] })
    class AppModule {}
    const logger = warningsLogger();
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger,
      abortOnError: false,
    });
    expect(logger.warnings).toEqual([]);
    expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
    await app.close();
  });
});

describe('@nestjs/axios and @nestjs/config of another Nest generation', () => {
  it('reads the installed versions, and logs nothing when they match', async () => {
    expect(readNestPeerVersions()).toEqual({
      '@nestjs/core': installed('@nestjs/core'),
      '@nestjs/axios': installed('@nestjs/axios'),
      '@nestjs/config': installed('@nestjs/config'),
    });
    @Module({ imports: [SendfactAuthModule.forRoot({ ...ACME, baseUrl: standIn.url })] })
    class AppModule {}
    const logger = warningsLogger();
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger,
      abortOnError: false,
    });
    expect(logger.warnings).toEqual([]);
    await app.close();
  });

  it('warns once at boot when the app resolves @nestjs/axios of another generation', async () => {
    // Nest 11 core next to axios 12.
    const warnings = await bootWarningsWith({
      '@nestjs/core': '11.1.6',
      '@nestjs/axios': '12.0.1',
      '@nestjs/config': '4.0.2',
    });
    expect(warnings).toEqual([
      '@nestjs/axios 12.0.1 installed next to @nestjs/core 11.1.6: Nest 11 goes with @nestjs/axios and ' +
        '@nestjs/config 4.x. Install them with npm install @nestjs/axios@^4 @nestjs/config@^4',
    ]);
  });

  it('warns once at boot, naming the supported majors and the upgrade, when the app is on Nest 10', async () => {
    // A Nest 10 app forced past the peer ranges, with the axios and config modules of Nest 10.
    const warnings = await bootWarningsWith({
      '@nestjs/core': '10.4.15',
      '@nestjs/axios': '3.1.3',
      '@nestjs/config': '3.3.0',
    });
    expect(warnings).toEqual([
      '@nestjs/core 10.4.15 is installed, but nestjs-sendfact-auth supports Nest 11 and 12 only. ' +
        'Upgrade the app to Nest 11, every @nestjs/* package together ' +
        '(https://docs.nestjs.com/migration-guide), with @nestjs/axios@^4 and @nestjs/config@^4',
    ]);
  });

  it('says the same of any Nest older than 11, whatever the axios and config modules are', () => {
    for (const versions of [
      { '@nestjs/core': '10.0.0' },
      { '@nestjs/core': '10.4.15', '@nestjs/axios': '4.0.1', '@nestjs/config': '4.0.2' },
      { '@nestjs/core': '9.4.3', '@nestjs/axios': '2.0.0', '@nestjs/config': '2.3.4' },
    ]) {
      expect(peerVersionWarning(versions)).toBe(
        `@nestjs/core ${versions['@nestjs/core']} is installed, but nestjs-sendfact-auth supports ` +
          'Nest 11 and 12 only. Upgrade the app to Nest 11, every @nestjs/* package together ' +
          '(https://docs.nestjs.com/migration-guide), with @nestjs/axios@^4 and @nestjs/config@^4',
      );
    }
  });

  it('names the packages of the wrong major and the install line that fixes them', () => {
    expect(
      peerVersionWarning({
        '@nestjs/core': '11.1.6',
        '@nestjs/axios': '12.0.1',
        '@nestjs/config': '12.0.1',
      }),
    ).toBe(
      '@nestjs/axios 12.0.1 and @nestjs/config 12.0.1 installed next to @nestjs/core 11.1.6: Nest 11 goes ' +
        'with @nestjs/axios and @nestjs/config 4.x. Install them with npm install @nestjs/axios@^4 @nestjs/config@^4',
    );
    expect(
      peerVersionWarning({
        '@nestjs/core': '12.5.1',
        '@nestjs/axios': '4.0.1',
        '@nestjs/config': '12.0.1',
      }),
    ).toMatch(
      /^@nestjs\/axios 4\.0\.1 installed next to @nestjs\/core 12\.5\.1: .* @nestjs\/axios@\^12 /,
    );
  });

  it('is silent when the versions match or cannot be read', () => {
    for (const versions of [
      { '@nestjs/core': '11.0.0', '@nestjs/axios': '4.0.0', '@nestjs/config': '4.0.2' },
      { '@nestjs/core': '12.5.1', '@nestjs/axios': '12.0.1', '@nestjs/config': '12.0.1' },
      { '@nestjs/core': '12.5.1' },
      { '@nestjs/axios': '12.0.1', '@nestjs/config': '4.0.0' },
      { '@nestjs/core': 'not-a-version', '@nestjs/axios': '12.0.1' },
      {},
    ]) {
      expect(peerVersionWarning(versions)).toBeUndefined();
    }
    expect(readNestPeerVersions(join(tmpdir(), 'no', 'such', 'app'))).toEqual({});
  });
});

describe('a .env file that nothing read', () => {
  const cwd = process.cwd();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sendfact-dotenv-'));
  });
  afterEach(() => {
    process.chdir(cwd);
    for (const name of ['SENDFACT_USERNAME', 'SENDFACT_PASSWORD', 'SENDFACT_BASE_URL'])
      delete process.env[name];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says so in the SENDFACT_USERNAME is required message when ConfigModule.forRoot() is missing', async () => {
    writeFileSync(
      join(dir, '.env'),
      `# Sendfact\nSENDFACT_USERNAME=${ACME.username}\nexport SENDFACT_PASSWORD=${ACME.password}\n`,
    );
    vi.stubEnv('SENDFACT_USERNAME', undefined);
    vi.stubEnv('SENDFACT_PASSWORD', undefined);
    process.chdir(dir);
    const error = await boot(SendfactAuthModule.forRoot()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendfactConfigError);
    expect((error as SendfactConfigError).problems).toEqual([
      'SENDFACT_USERNAME is required (a .env file in the working directory sets SENDFACT_USERNAME and ' +
        'SENDFACT_PASSWORD, but it was not read: import ConfigModule.forRoot() from @nestjs/config in ' +
        'your root module, or load the file yourself)',
      'SENDFACT_PASSWORD is required',
    ]);
    expect((error as Error).message).not.toContain(ACME.password);

    // With ConfigModule.forRoot() the same folder boots.
    vi.stubEnv('SENDFACT_BASE_URL', standIn.url);
    const app = await boot(ConfigModule.forRoot(), SendfactAuthModule.forRoot());
    expect(await app.get(SendfactAuthService).getAccessToken()).toMatch(/^ey/);
    await app.close();
  });

  it('gives no hint when the .env file does not set the missing variable', async () => {
    writeFileSync(join(dir, '.env'), 'PORT=3000\n');
    vi.stubEnv('SENDFACT_USERNAME', undefined);
    vi.stubEnv('SENDFACT_PASSWORD', ACME.password);
    process.chdir(dir);
    const error = await boot(SendfactAuthModule.forRoot()).catch((e: unknown) => e);
    expect((error as SendfactConfigError).problems).toEqual(['SENDFACT_USERNAME is required']);
  });
});
