import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { AppModule } from './app.module.js';
import { runWalkthrough } from './walkthrough.js';

const { values: flags } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env['PORT'] ?? '3000' },
    // Loopback unless told otherwise: the sample's API has no authentication, and POST /invoices issues
    // an invoice for the configured company.
    host: { type: 'string', default: process.env['HOST'] ?? '127.0.0.1' },
    telemetry: { type: 'boolean', default: false },
  },
});
const say = (line: string) => console.log(`[sample] ${line}`);

async function main(): Promise<void> {
  if (flags.telemetry) (await import('./telemetry.js')).startSampleTelemetry();
  let standIn: Awaited<ReturnType<typeof startSendfactStandIn>> | undefined;
  if (!process.env['SENDFACT_USERNAME']) {
    // No credentials: run against the local stand-in, with short tokens so the refresh shows in seconds.
    const lifetime = Number(process.env['SENDFACT_STAND_IN_TOKEN_SECONDS'] ?? 6);
    standIn = await startSendfactStandIn({ tokenLifetimeSeconds: lifetime });
    process.env['SENDFACT_BASE_URL'] = standIn.url;
    process.env['SENDFACT_USERNAME'] = STAND_IN_DEFAULT_ACCOUNT.username;
    process.env['SENDFACT_PASSWORD'] = STAND_IN_DEFAULT_ACCOUNT.password;
    say(`No SENDFACT_USERNAME set: using the local Sendfact stand-in at ${standIn.url}`);
    say(`(its tokens live ${lifetime} s so you can watch a refresh; Sendfact's live 120 s)`);
  } else {
    say(
      `Using Sendfact at ${process.env['SENDFACT_BASE_URL'] ?? `the ${process.env['SENDFACT_ENVIRONMENT'] ?? 'demo'} API`}`,
    );
  }

  const app = await NestFactory.create(AppModule.forRoot({ host: flags.host }), {
    logger: ['error', 'warn'],
  });
  // Lifecycle hooks run here: the module waits for its token store and starts its telemetry.
  await app.init();
  const stop = async () => {
    await app.close();
    await standIn?.close();
  };

  try {
    await runWalkthrough(app, say);
  } catch (error) {
    say(`Walkthrough failed: ${(error as Error).message}`);
    await stop();
    process.exitCode = 1;
    return;
  }
  if (flags.once) {
    await stop();
    say('Done (--once).');
    return;
  }

  await app.listen(Number(flags.port), flags.host);
  const { address, port } = app.getHttpServer().address() as { address: string; port: number };
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  say(`Serving the sample API on ${base} (Ctrl+C to stop):`);
  if (!/^(127\.|::1$)/.test(address)) {
    say(
      `Warning: HOST=${flags.host} exposes this API beyond this machine, and it has no authentication.`,
    );
  }
  say(`  curl -X POST -H 'content-type: application/json' -d '{}' ${base}/invoices`);
  say(`  curl ${base}/invoices/<fileName>/status`);
  say(`  curl ${base}/token`);
  say(`  curl ${base}/health`);
  // Closing the app and the stand-in leaves nothing running, so the process then exits by itself.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
}

await main();
