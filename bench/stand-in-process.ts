// The stand-in, run in a child process of the bench so that its work (TLS, JWT checks) does not share an
// event loop, nor a CPU-time count, with the clients being measured. Driven by the parent over IPC
// (bench/stand-in.ts).
import { startSendfactStandIn, type StandInStats } from 'nestjs-sendfact-auth/testing';
import { answerParent } from './ipc-child.js';

export interface StandInProcessOptions {
  key: string;
  cert: string;
  lifetime: number;
}

export interface StandInRequest {
  id: number;
  op: 'reset' | 'setLifetime' | 'stats' | 'close';
  args?: { seconds?: number; withTokenTimes?: boolean };
}

export interface StandInStatsAnswer {
  stats: StandInStats;
  /** Epoch ms of the token requests since the last reset. */
  tokenTimes?: number[];
}

const { key, cert, lifetime } = JSON.parse(
  process.env['BENCH_STAND_IN'] ?? '{}',
) as StandInProcessOptions;
const standIn = await startSendfactStandIn({
  tls: { key, cert },
  tokenLifetimeSeconds: lifetime,
  // Cleared at the start of every measured segment; large enough never to drop an entry within one.
  logLimit: 5_000_000,
});

/** Epoch ms of the token requests logged since the last reset (the log's `at` is this process's clock). */
function tokenTimes(): number[] {
  const times: number[] = [];
  for (const entry of standIn.log) {
    if (entry.path === '/api/auth/token') times.push(performance.timeOrigin + entry.at);
  }
  return times;
}

async function handle({ op, args = {} }: StandInRequest): Promise<object> {
  switch (op) {
    case 'reset':
      standIn.resetStats();
      return {};
    case 'setLifetime':
      standIn.tokenLifetimeSeconds = args.seconds ?? lifetime;
      return {};
    case 'stats': {
      const answer: StandInStatsAnswer = { stats: structuredClone(standIn.stats) };
      if (args.withTokenTimes === true) answer.tokenTimes = tokenTimes();
      return answer;
    }
    case 'close':
      await standIn.close();
      setImmediate(() => process.exit(0));
      return {};
  }
}

answerParent(handle);
process.send?.({ ready: true, url: standIn.url });
