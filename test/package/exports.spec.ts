import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The public entry points: subpath, built file, and the source it is built from. */
const ENTRIES = [
  { subpath: '.', dist: 'dist/index', source: 'lib/index.ts' },
  { subpath: './testing', dist: 'dist/testing/index', source: 'lib/testing/index.ts' },
  { subpath: './redis', dist: 'dist/redis/index', source: 'lib/redis/index.ts' },
  { subpath: './health', dist: 'dist/health/index', source: 'lib/health/index.ts' },
];

/** Packages users bring themselves: a copy of our own would break Nest's DI and `instanceof`. */
const PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/axios',
  '@nestjs/config',
  '@nestjs/terminus',
  'axios',
  'rxjs',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'ioredis',
];

describe('package.json', () => {
  it('exports exactly the main entry, ./testing, ./redis, ./health and ./package.json', () => {
    expect(Object.keys(pkg.exports)).toEqual([...ENTRIES.map((e) => e.subpath), './package.json']);
    for (const { subpath, dist } of ENTRIES) {
      // types first: TypeScript takes the first condition that matches.
      expect(pkg.exports[subpath]).toEqual({ types: `./${dist}.d.ts`, default: `./${dist}.js` });
    }
    expect(pkg.exports['./package.json']).toBe('./package.json');
    expect(pkg.main).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    expect(pkg.type).toBe('module');
  });

  it('points every export, and the typesVersions of TypeScript without exports support, at built files', () => {
    const files = ENTRIES.flatMap(({ dist, source }) => [source, `${dist}.js`, `${dist}.d.ts`]);
    expect(files.filter((file) => !existsSync(join(root, file)))).toEqual([]);
    // One typesVersions entry per subpath, to the same .d.ts as its exports entry.
    const subpaths = ENTRIES.filter((e) => e.subpath !== '.');
    expect(pkg.typesVersions).toEqual({
      '*': Object.fromEntries(
        subpaths.map(({ subpath, dist }) => [subpath.slice(2), [`./${dist}.d.ts`]]),
      ),
    });
  });

  it('puts no framework package in dependencies: Nest, axios, rxjs and the rest are peers', () => {
    const dependencies = Object.keys(pkg.dependencies ?? {});
    expect(dependencies.filter((d) => d.startsWith('@nestjs/') || PEERS.includes(d))).toEqual([]);
    expect(dependencies).toEqual([]);
    const notPeers = PEERS.filter((p) => p !== 'ioredis' && !(p in pkg.peerDependencies));
    expect(notPeers).toEqual([]);
  });

  it('accepts Nest 11 and 12 in its peer ranges, with terminus optional', () => {
    const peers = pkg.peerDependencies;
    for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/terminus'])
      expect(peers[name]).toBe('^11.0.0 || ^12.0.0');
    expect(peers['@nestjs/axios']).toBe('^4.0.0 || ^12.0.0');
    expect(peers['@nestjs/config']).toBe('^4.0.0 || ^12.0.0');
    expect(pkg.peerDependenciesMeta).toMatchObject({ '@nestjs/terminus': { optional: true } });
    const optional = Object.keys(pkg.peerDependenciesMeta);
    expect(optional.filter((name) => !(name in peers))).toEqual([]);
  });

  it('has the fields a registry page and a user look for', () => {
    expect(pkg.description).toMatch(/NestJS/);
    expect(pkg.keywords).toEqual(expect.arrayContaining(['nestjs', 'sendfact']));
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'README.md', 'LICENSE']));
    const shipped = ['README.md', 'README.es.md', 'LICENSE'];
    expect(shipped.filter((file) => !existsSync(join(root, file)))).toEqual([]);
  });
});
