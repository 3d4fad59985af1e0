// The module's cost at an app's start: a minimal Nest HTTP app booted with and without
// SendfactAuthModule.forRoot(), alternately, many times. Two ways: each boot in a fresh process (loading
// the code included, what a deploy or a restart pays), and repeated boots in this process (code loaded, the
// wiring alone: what a test suite that builds an app per test pays).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import '@nestjs/platform-express';
import { SendfactAuthModule } from 'nestjs-sendfact-auth';
import type { BootSample } from './boot-probe.js';
import { rotate } from './workload.js';

export interface BootConfig {
  /** Fresh-process boots per variant. */
  processes: number;
  /** In-process boots per variant. */
  inProcess: number;
}

export interface BootResult {
  fresh: { with: BootSample[]; without: BootSample[] };
  /** Wall ms of `NestFactory.create` + `app.init()`, in this process. */
  warm: { with: number[]; without: number[] };
}

const run = promisify(execFile);
const VARIANTS = ['without', 'with'] as const;

export async function measureBoot(
  config: BootConfig,
  log: (line: string) => void,
): Promise<BootResult> {
  const probe = new URL('./boot-probe.js', import.meta.url).pathname;
  const fresh: BootResult['fresh'] = { with: [], without: [] };
  log(`boot: ${config.processes} fresh processes per variant, alternated`);
  for (let i = 0; i < config.processes; i++) {
    for (const variant of rotate(VARIANTS, i)) {
      const { stdout } = await run(process.execPath, [probe, variant]);
      fresh[variant].push(JSON.parse(stdout) as BootSample);
    }
  }

  log(`boot: ${config.inProcess} in-process boots per variant, alternated`);
  const warm: BootResult['warm'] = { with: [], without: [] };
  const boot = async (imports: DynamicModule[]): Promise<number> => {
    @Module({ imports })
    class AppModule {}
    const t0 = performance.now();
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    const elapsed = performance.now() - t0;
    await app.close();
    return elapsed;
  };
  const withModule = (): DynamicModule[] => [
    SendfactAuthModule.forRoot({
      baseUrl: 'https://127.0.0.1:9',
      username: 'USER20000000001',
      password: 'unused',
    }),
  ];
  // Warm-up: the first boots compile Nest's own code paths.
  for (let i = 0; i < 5; i++) {
    await boot([]);
    await boot(withModule());
  }
  for (let i = 0; i < config.inProcess; i++) {
    for (const variant of rotate(VARIANTS, i)) {
      warm[variant].push(await boot(variant === 'with' ? withModule() : []));
    }
  }
  return { fresh, warm };
}
