import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

let work: string;
let files: string[];

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

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sendfact-consumer-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root)) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = packed!.files.map((f) => f.path);
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // npm installs the peer dependencies too, as it would for a user.
  npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, packed!.filename),
      '@nestjs/platform-express@^12',
    ],
    work,
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('ships only dist/, the READMEs, LICENSE, CHANGELOG and package.json', () => {
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/testing/index.js');
    for (const file of files) {
      expect(file).toMatch(
        /^(dist\/.+\.(js|d\.ts)(\.map)?|README(\.es)?\.md|LICENSE|CHANGELOG\.md|package\.json)$/,
      );
    }
  });

  it('declares @nestjs and the other framework packages as peers, never as dependencies', () => {
    const pkg = JSON.parse(
      readFileSync(join(work, 'node_modules/nestjs-sendfact-auth/package.json'), 'utf8'),
    );
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies ?? {}).toEqual({});
    for (const peer of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/axios',
      '@nestjs/config',
      'axios',
      'rxjs',
      'class-validator',
      'class-transformer',
      'reflect-metadata',
    ]) {
      expect(pkg.peerDependencies).toHaveProperty(peer);
    }
    expect(Object.keys(pkg.exports)).toEqual(['.', './testing', './health', './package.json']);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });

  it('works through import in a fresh ESM project', () => {
    writeFileSync(
      join(work, 'esm.mjs'),
      consumer(`import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthError, SendfactAuthModule, SendfactAuthService, SendfactCredentialsError, SendfactHttpService } from 'nestjs-sendfact-auth';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';`),
    );
    const out = execFileSync(process.execPath, ['esm.mjs'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      status: 200,
      tokenRequests: 1,
      jwt: true,
      errorIsTyped: true,
    });
  });

  it('works through require() (Node 20.19+ loads ESM without top-level await)', () => {
    writeFileSync(
      join(work, 'cjs.cjs'),
      `(async () => {${consumer(`require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { SendfactAuthError, SendfactAuthModule, SendfactAuthService, SendfactCredentialsError, SendfactHttpService } = require('nestjs-sendfact-auth');
const { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } = require('nestjs-sendfact-auth/testing');`)}})();`,
    );
    const out = execFileSync(process.execPath, ['--no-warnings', 'cjs.cjs'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      status: 200,
      tokenRequests: 1,
      jwt: true,
      errorIsTyped: true,
    });
  });

  it('does not load the testing kit from the main entry', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import)\s*['"](\.[^'"]+)['"]/g))
        visit(resolve(dirname(file), spec!));
    };
    visit(join(work, 'node_modules/nestjs-sendfact-auth/dist/index.js'));
    expect(seen.size).toBeGreaterThan(5);
    expect([...seen].filter((f) => f.includes('/testing/'))).toEqual([]);
  });
});
