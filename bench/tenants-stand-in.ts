// The stand-in of bench:tenants, in a child process (its JWT work must not share the measured event loop), over
// plain HTTP on loopback, accepting the logins the parent sends. Driven over IPC (bench/tenants.ts).
import { startSendfactStandIn, type StandInStats } from 'nestjs-sendfact-auth/testing';
import { answerParent } from './ipc-child.js';

export type TenantsStandInRequest =
  | { id: number; op: 'start'; logins: { username: string; password: string }[]; lifetime: number }
  | { id: number; op: 'stats' | 'reset' | 'close' };

let standIn: Awaited<ReturnType<typeof startSendfactStandIn>> | undefined;

async function handle(request: TenantsStandInRequest): Promise<string | StandInStats | null> {
  switch (request.op) {
    case 'start':
      standIn = await startSendfactStandIn({
        accounts: request.logins,
        tokenLifetimeSeconds: request.lifetime,
        logLimit: 1,
      });
      return standIn.url;
    case 'stats':
      return structuredClone(standIn!.stats);
    case 'reset':
      standIn!.resetStats();
      return null;
    case 'close':
      await standIn?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

answerParent(handle);
