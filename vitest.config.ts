import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const lib = (path: string) => fileURLToPath(new URL(`./lib/${path}`, import.meta.url));

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
    include: ['test/**/*.spec.ts'],
    // Jest apps of their own, run by .ci/cjs-jest-app.
    exclude: [...configDefaults.exclude, 'test/consumers/**'],
    environment: 'node',
    setupFiles: ['reflect-metadata'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
