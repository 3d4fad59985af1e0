import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** The consumers get the Nest major this suite runs on: 12 by default, 11 under `.ci/nest11`. */
const nest = Number(
  readJson(join(root, 'node_modules/@nestjs/core/package.json')).version.split('.')[0],
);
const NEST_PEERS: Record<number, { nest: string[]; terminus: string }> = {
  11: {
    nest: ['common', 'core', 'platform-express'].map((p) => `@nestjs/${p}@^11`),
    terminus: '@nestjs/terminus@^11',
  },
  12: {
    nest: ['common', 'core', 'platform-express', 'axios', 'config'].map((p) => `@nestjs/${p}@^12`),
    terminus: '@nestjs/terminus@^12',
  },
};
NEST_PEERS[11]!.nest.push('@nestjs/axios@^4', '@nestjs/config@^4');

let work: string;
let files: string[];

const RESULT = { status: 200, tokenRequests: 1, jwt: true, errorIsTyped: true };
const HEALTH = { status: 'ok', sendfact: 'up', token: 'valid', tokenRequests: 1 };

// The consumer scripts: boot Nest against the stand-in shipped in the package, send an invoice.
const consumer = (load: string) => `
${load}
const standIn = await startSendfactStandIn();
class AppModule {}
Module({ imports: [SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url })] })(AppModule);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const http = app.get(SendfactHttpService);
const res = await http.axiosRef.post('/api/cpe/send', {
  file_name: '20515809822-01-F001-1',
  file_content: Buffer.from('<Invoice/>').toString('base64'),
});
const token = await app.get(SendfactAuthService).getAccessToken();
console.log(JSON.stringify({
  status: res.status,
  tokenRequests: standIn.stats.tokenRequests,
  jwt: token.split('.').length === 3,
  errorIsTyped: new SendfactCredentialsError(401) instanceof SendfactAuthError,
}));
await app.close();
await standIn.close();
`;

const CJS_CONSUMER = `(async () => {${consumer(`require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { SendfactAuthError, SendfactAuthModule, SendfactAuthService, SendfactCredentialsError, SendfactHttpService } = require('nestjs-sendfact-auth');
const { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } = require('nestjs-sendfact-auth/testing');`)}})();`;

/** The same, as a user's TypeScript: decorators, and a service that gets SendfactHttpService by its type. */
const TS_CONSUMER = `import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import {
  SendfactAuthError,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactCredentialsError,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';

@Injectable()
class InvoicesService {
  constructor(private readonly sendfact: SendfactHttpService) {}

  async send(): Promise<number> {
    const res = await firstValueFrom(
      this.sendfact.post('/api/cpe/send', {
        file_name: '20515809822-01-F001-1',
        file_content: Buffer.from('<Invoice/>').toString('base64'),
      }),
    );
    return res.status;
  }
}

async function main(): Promise<void> {
  const standIn = await startSendfactStandIn();
  @Module({
    imports: [SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url })],
    providers: [InvoicesService],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const status = await app.get(InvoicesService).send();
  const token: string = await app.get(SendfactAuthService).getAccessToken();
  console.log(JSON.stringify({
    status,
    tokenRequests: standIn.stats.tokenRequests,
    jwt: token.split('.').length === 3,
    errorIsTyped: new SendfactCredentialsError(401) instanceof SendfactAuthError,
  }));
  await app.close();
  await standIn.close();
}

void main();
`;

const TS_HEALTH_CONSUMER = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { SendfactHealthIndicator, type SendfactHealthDetails } from 'nestjs-sendfact-auth/health';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';

async function main(): Promise<void> {
  const standIn = await startSendfactStandIn();
  @Module({
    imports: [
      TerminusModule,
      SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url }),
    ],
    providers: [SendfactHealthIndicator],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.get(SendfactAuthService).getAccessToken();
  const indicator = app.get(SendfactHealthIndicator);
  const result = await app.get(HealthCheckService).check([() => indicator.isHealthy('sendfact')]);
  const sendfact = result.info!['sendfact'] as SendfactHealthDetails & { status: string };
  console.log(JSON.stringify({
    status: result.status,
    sendfact: sendfact.status,
    token: sendfact.token,
    tokenRequests: standIn.stats.tokenRequests,
  }));
  await app.close();
  await standIn.close();
}

void main();
`;

const ESM_HEALTH_CONSUMER = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { SendfactHealthIndicator } from 'nestjs-sendfact-auth/health';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
const standIn = await startSendfactStandIn();
class AppModule {}
Module({
  imports: [TerminusModule, SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url })],
  providers: [SendfactHealthIndicator],
})(AppModule);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
await app.get(SendfactAuthService).getAccessToken();
const indicator = app.get(SendfactHealthIndicator);
const result = await app.get(HealthCheckService).check([() => indicator.isHealthy('sendfact')]);
console.log(JSON.stringify({
  status: result.status,
  sendfact: result.info.sendfact.status,
  token: result.info.sendfact.token,
  tokenRequests: standIn.stats.tokenRequests,
}));
await app.close();
await standIn.close();
`;

/** Runs a consumer script with Node and returns the JSON line it prints last. */
function run(script: string, cwd = work, flags: string[] = []): unknown {
  const out = execFileSync(process.execPath, ['--no-warnings', ...flags, script], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/**
 * Compiles `source` as a CommonJS TypeScript project would (`module: commonjs`, hence TypeScript's node10
 * resolution, as in Nest's classic starter) with this repository's TypeScript, and returns the emitted file.
 */
function compileCommonJs(name: string, source: string): string {
  const dir = join(work, 'cts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }));
  writeFileSync(join(dir, `${name}.ts`), source);
  writeFileSync(
    join(dir, `tsconfig.${name}.json`),
    JSON.stringify({
      compilerOptions: {
        module: 'commonjs',
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        outDir: 'out',
        typeRoots: [join(root, 'node_modules/@types')],
        types: ['node'],
      },
      files: [`${name}.ts`],
    }),
  );
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
  const emitted = join(dir, 'out', `${name}.js`);
  expect(readFileSync(emitted, 'utf8')).toContain('require("nestjs-sendfact-auth")');
  return emitted;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sendfact-consumer-'));
  // global-setup has built dist/: no `prepare` (a second build under the running tests).
  const [packed] = JSON.parse(
    npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], root),
  ) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = packed!.files.map((f) => f.path);
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // The Nest packages of one major; npm installs the other peer dependencies, as it would for a user.
  npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, packed!.filename),
      ...NEST_PEERS[nest]!.nest,
    ],
    work,
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

// Each test runs Node or tsc in a child process (their own time-outs bound them): on a loaded machine that
// takes longer than the default 20 s, and no test here asserts a duration.
describe(`the packed package, in a fresh project on Nest ${nest}`, { timeout: 120_000 }, () => {
  it('ships only dist/ (an ESM and a CommonJS build), the READMEs, LICENSE and package.json', () => {
    expect(files).toContain('package.json');
    for (const build of ['esm', 'cjs'])
      for (const entry of ['index', 'testing/index', 'health/index', 'redis/index'])
        expect(files).toEqual(
          expect.arrayContaining([`dist/${build}/${entry}.js`, `dist/${build}/${entry}.d.ts`]),
        );
    expect(files).toContain('dist/cjs/package.json');
    for (const file of files) {
      expect(file).toMatch(
        /^(dist\/(esm|cjs)\/.+\.(js|js\.map|d\.ts)|dist\/cjs\/package\.json|README(\.es)?\.md|LICENSE|package\.json)$/,
      );
    }
  });

  it('ships source maps that carry their sources, since lib/ is not shipped', () => {
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBe(files.filter((f) => f.endsWith('.js')).length);
    const incomplete = maps.filter((map) => {
      const { sources, sourcesContent } = readJson(
        join(work, 'node_modules/nestjs-sendfact-auth', map),
      );
      return sourcesContent?.length !== sources.length;
    });
    expect(incomplete).toEqual([]);
  });

  it('installs as published: the exports, peers and no dependencies that test/package/exports.spec.ts guards', () => {
    const pkg = readJson(join(work, 'node_modules/nestjs-sendfact-auth/package.json'));
    const ours = readJson(join(root, 'package.json'));
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies ?? {}).toEqual({});
    for (const field of ['exports', 'typesVersions', 'peerDependencies', 'peerDependenciesMeta'])
      expect(pkg[field]).toEqual(ours[field]);
    expect(readJson(join(work, 'node_modules/@nestjs/core/package.json')).version).toMatch(
      new RegExp(`^${nest}\\.`),
    );
    // An optional peer: npm does not install it, and the main entry does not need it.
    expect(existsSync(join(work, 'node_modules/@nestjs/terminus'))).toBe(false);
  });

  it(`works through import in an ESM project (Nest ${nest})`, () => {
    writeFileSync(
      join(work, 'esm.mjs'),
      consumer(`import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthError, SendfactAuthModule, SendfactAuthService, SendfactCredentialsError, SendfactHttpService } from 'nestjs-sendfact-auth';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';`),
    );
    expect(run('esm.mjs')).toEqual(RESULT);
  });

  it(`works through require() in CommonJS (Nest ${nest}; Node 20.19+ loads ESM without top-level await)`, () => {
    writeFileSync(join(work, 'cjs.cjs'), CJS_CONSUMER);
    expect(run('cjs.cjs')).toEqual(RESULT);
  });

  it(`works in a CommonJS TypeScript project (module: commonjs), compiled to require() (Nest ${nest})`, () => {
    expect(run(compileCommonJs('app', TS_CONSUMER))).toEqual(RESULT);
  });

  it('gives one Node process one copy of the classes, loaded by import and by require() alike', () => {
    // The dual-package hazard: two copies would be two SendfactHttpService classes, and Nest's DI would
    // not find one under the other's token. Node >= 20.19 takes `module-sync`: the ESM build both ways.
    writeFileSync(
      join(work, 'identity.cjs'),
      `const names = ['nestjs-sendfact-auth', 'nestjs-sendfact-auth/testing'];
(async () => {
  const differ = [];
  for (const name of names) {
    const required = require(name);
    const imported = await import(name);
    const keys = Object.keys(required);
    // The names whose two loads differ, so that a failure says which.
    differ.push(keys.length > 0 ? keys.filter((key) => required[key] !== imported[key]) : ['(no exports)']);
  }
  console.log(JSON.stringify({ differ, resolved: require.resolve('nestjs-sendfact-auth').replace(/\\\\/g, '/').replace(/.*node_modules\\//, '') }));
})();`,
    );
    expect(run('identity.cjs')).toEqual({
      differ: [[], []],
      resolved: 'nestjs-sendfact-auth/dist/esm/index.js',
    });
  });

  it('resolves require() to the CommonJS build where module-sync is not known (Node without require(esm), jest)', () => {
    writeFileSync(
      join(work, 'resolve.cjs'),
      `console.log(JSON.stringify(['', '/testing', '/redis', '/health'].map((sub) =>
  require.resolve('nestjs-sendfact-auth' + sub).replace(/\\\\/g, '/').replace(/.*node_modules\\//, ''))));`,
    );
    expect(run('resolve.cjs', work, ['--no-experimental-require-module'])).toEqual([
      'nestjs-sendfact-auth/dist/cjs/index.js',
      'nestjs-sendfact-auth/dist/cjs/testing/index.js',
      'nestjs-sendfact-auth/dist/cjs/redis/index.js',
      'nestjs-sendfact-auth/dist/cjs/health/index.js',
    ]);
  });

  it(`runs as CommonJS with require(esm) off (Nest ${nest}: ${nest === 11 ? 'works' : 'Nest 12 itself is ESM-only, so it cannot'})`, () => {
    writeFileSync(join(work, 'cjs-only.cjs'), CJS_CONSUMER);
    let outcome: unknown;
    try {
      outcome = run('cjs-only.cjs', work, ['--no-experimental-require-module']);
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr);
      outcome = /ERR_REQUIRE_ESM[\s\S]*node_modules\/@nestjs\//.test(stderr)
        ? 'ERR_REQUIRE_ESM: @nestjs'
        : stderr;
    }
    expect(outcome).toEqual(nest === 11 ? RESULT : 'ERR_REQUIRE_ESM: @nestjs');
  });

  it('does not load the testing kit, the health check or terminus from the main entry', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)) {
        if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!));
        else bare.add(spec!);
      }
    };
    for (const build of ['esm', 'cjs']) {
      seen.clear();
      bare.clear();
      visit(join(work, `node_modules/nestjs-sendfact-auth/dist/${build}/index.js`));
      expect(seen.size).toBeGreaterThan(5);
      expect([...seen].filter((f) => /\/(testing|health)\//.test(f))).toEqual([]);
      expect(bare).toContain('@nestjs/common');
      expect([...bare].filter((b) => b.startsWith('@nestjs/terminus'))).toEqual([]);
    }
  });

  describe('with @nestjs/terminus installed, the health subpath', () => {
    beforeAll(() => {
      npm(
        ['install', '--no-audit', '--no-fund', '--prefer-offline', NEST_PEERS[nest]!.terminus],
        work,
      );
    }, 300_000);

    it(`works through import in an ESM project (Nest ${nest})`, () => {
      writeFileSync(join(work, 'health.mjs'), ESM_HEALTH_CONSUMER);
      expect(run('health.mjs')).toEqual(HEALTH);
    });

    it(`works in a CommonJS TypeScript project (module: commonjs), compiled to require() (Nest ${nest})`, () => {
      expect(run(compileCommonJs('health', TS_HEALTH_CONSUMER))).toEqual(HEALTH);
    });
  });
});
