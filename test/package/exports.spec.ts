import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The public entry points: subpath, built file (under dist/esm and dist/cjs), and its source. */
const ENTRIES = [
  { subpath: '.', dist: 'index', source: 'lib/index.ts' },
  { subpath: './testing', dist: 'testing/index', source: 'lib/testing/index.ts' },
  { subpath: './redis', dist: 'redis/index', source: 'lib/redis/index.ts' },
  { subpath: './health', dist: 'health/index', source: 'lib/health/index.ts' },
];
const esm = (dist: string) => ({
  types: `./dist/esm/${dist}.d.ts`,
  default: `./dist/esm/${dist}.js`,
});
const cjs = (dist: string) => ({
  types: `./dist/cjs/${dist}.d.ts`,
  default: `./dist/cjs/${dist}.js`,
});

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
      // Node >= 20.19 knows `module-sync` and takes the ESM build for import and require() alike: one copy
      // of the classes per process. Resolvers that do not (jest, TypeScript, bundlers) take `require` to
      // the CommonJS build, `import` to the ESM one. In each, types first: TypeScript takes the first
      // condition that matches.
      expect(pkg.exports[subpath]).toEqual({
        'module-sync': esm(dist),
        import: esm(dist),
        require: cjs(dist),
      });
      expect(Object.keys(pkg.exports[subpath])).toEqual(['module-sync', 'import', 'require']);
    }
    expect(pkg.exports['./package.json']).toBe('./package.json');
    // For tools that read no exports (TypeScript's node10 resolution, old bundlers): the CommonJS build.
    expect(pkg.main).toBe('./dist/cjs/index.js');
    expect(pkg.types).toBe('./dist/cjs/index.d.ts');
    expect(pkg.type).toBe('module');
  });

  it('marks dist/cjs as CommonJS, so Node and TypeScript read its .js and .d.ts files as such', () => {
    expect(JSON.parse(readFileSync(join(root, 'dist/cjs/package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
  });

  it('builds itself when installed from git (prepare), with the build script', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
    expect(pkg.scripts.build).toContain('tsconfig.build.cjs.json');
  });

  it('points every export, and the typesVersions of TypeScript without exports support, at built files', () => {
    const files = ENTRIES.flatMap(({ dist, source }) =>
      ['esm', 'cjs']
        .flatMap((build) => [`dist/${build}/${dist}.js`, `dist/${build}/${dist}.d.ts`])
        .concat(source),
    );
    expect(files.filter((file) => !existsSync(join(root, file)))).toEqual([]);
    // One typesVersions entry per subpath, to the same .d.ts as its `require` entry: TypeScript without
    // exports support (node10) resolves as require() does.
    const subpaths = ENTRIES.filter((e) => e.subpath !== '.');
    expect(pkg.typesVersions).toEqual({
      '*': Object.fromEntries(
        subpaths.map(({ subpath, dist }) => [subpath.slice(2), [`./dist/cjs/${dist}.d.ts`]]),
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
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'README.md', 'LICENSE']));
    const shipped = ['README.md', 'README.es.md', 'LICENSE'];
    expect(shipped.filter((file) => !existsSync(join(root, file)))).toEqual([]);
  });
});
