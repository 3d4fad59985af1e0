import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const lib = (path: string) => fileURLToPath(new URL(`./lib/${path}`, import.meta.url));

/**
 * Specs that run the built package or sample (dist/, dist-sample/): the `exports` map, the command, the sample
 * app, and fixtures that import `nestjs-sendfact-auth` by name from a child process (Node resolves that to
 * dist/). Only they (and the release checks) wait for `test/global-setup.ts` to build.
 */
const PACKAGE = [
  'test/package/**/*.spec.ts',
  'test/sample/**/*.spec.ts',
  'test/cli/**/*.spec.ts',
  'test/module/lifecycle.spec.ts',
  'test/telemetry/api-absent.spec.ts',
  'test/redis/multi-process.spec.ts',
  'test/redis/shared-username.spec.ts',
  'test/model/**/*.spec.ts',
];

/**
 * Release checks, run by CI (`npm run test:release`) rather than by `npm test`: what we ship as a stranger
 * installs it (the packed tarball in fresh ESM, CommonJS and TypeScript projects; the package.json that `npm pack`
 * writes into it, in a copy of the repository), the API docs and README
 * snippets compiled against the build, and the Redis topologies (Cluster, Sentinel) that take a fleet of
 * servers to start. Together they took 108 s of the suite's 245 s of test time.
 */
const RELEASE = [
  'test/package/packed-tarball.spec.ts',
  'test/package/packed-manifest.spec.ts',
  'test/package/api-docs.spec.ts',
  'test/package/readme-snippets.spec.ts',
  'test/redis/cluster.spec.ts',
  'test/redis/sentinel.spec.ts',
];

/** Plain unit tests: in-process, no build, no server but the ones a test starts in its own process. */
const UNIT = [
  'test/engine/**/*.spec.ts',
  'test/property/**/*.spec.ts',
  'test/client/**/*.spec.ts',
  'test/config/**/*.spec.ts',
  'test/store/**/*.spec.ts',
  'test/architecture/**/*.spec.ts',
  'test/docs/**/*.spec.ts',
];

export default defineConfig({
  // Nest's DI reads constructor parameter types, so decorators must emit metadata, as tsc does.
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  resolve: {
    // Tests import the package by its public names, resolved to the sources.
    alias: [
      { find: /^nestjs-sendfact-auth\/testing$/, replacement: lib('testing/index.ts') },
      { find: /^nestjs-sendfact-auth\/redis$/, replacement: lib('redis/index.ts') },
      { find: /^nestjs-sendfact-auth\/health$/, replacement: lib('health/index.ts') },
      { find: /^nestjs-sendfact-auth$/, replacement: lib('index.ts') },
    ],
  },
  test: {
    environment: 'node',
    setupFiles: ['reflect-metadata'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Vitest's default on 2 cores is one file at a time; most files here wait (child processes, Redis, npm,
    // token lifetimes) more than they compute, so two overlap without starving each other.
    maxWorkers: 2,
    // `npm test` runs unit, integration and package; CI adds release; `npx vitest run test/engine` runs a path.
    projects: [
      {
        extends: true,
        // One module graph a worker (the package's import is most of a unit file's time); these files
        // restore what they stub, and share no state but the modules.
        test: { name: 'unit', include: UNIT, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // As the unit project: most of a file's time went to importing Nest and the package anew (measured:
          // 180 s of imports for 132 s of tests, against 11 s without). A file sets the globals it relies on (Nest's logger).
          isolate: false,
          include: ['test/**/*.spec.ts'],
          // Jest apps of their own, run by .ci/cjs-jest-app.
          exclude: [
            ...configDefaults.exclude,
            'test/consumers/**',
            ...UNIT,
            ...PACKAGE,
            ...RELEASE,
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'package',
          include: PACKAGE,
          exclude: [...configDefaults.exclude, ...RELEASE],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'release', include: RELEASE, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
