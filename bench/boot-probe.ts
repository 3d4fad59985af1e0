// One boot of a minimal Nest app (`NestFactory.create` + `app.init()`), with or without SendfactAuthModule,
// in a fresh process started by bench/boot.ts: what loading and wiring the module add to an app's start.
// `performance.now()` counts from the process's start, so `readyMs` includes Node's own start-up.
import 'reflect-metadata';

export interface BootSample {
  withModule: boolean;
  /** Loading @nestjs/core, the platform and (with the module) nestjs-sendfact-auth. */
  importMs: number;
  /** `NestFactory.create` + `app.init()`. */
  initMs: number;
  /** From the process's start to the app initialized. */
  readyMs: number;
  /** CPU time of the process up to then. */
  cpuMs: number;
}

const withModule = process.argv[2] === 'with';
const t0 = performance.now();
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
await import('@nestjs/platform-express');
const imports = [];
if (withModule) {
  const { SendfactAuthModule } = await import('nestjs-sendfact-auth');
  // No request is made at start-up; the address is never called.
  imports.push(
    SendfactAuthModule.forRoot({
      baseUrl: 'https://127.0.0.1:9',
      username: 'USER20000000001',
      password: 'unused',
    }),
  );
}
const t1 = performance.now();

@Module({ imports })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.init();
const t2 = performance.now();
const cpu = process.cpuUsage();
await app.close();
const sample: BootSample = {
  withModule,
  importMs: t1 - t0,
  initMs: t2 - t1,
  readyMs: t2,
  cpuMs: (cpu.user + cpu.system) / 1000,
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
