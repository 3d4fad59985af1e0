// The stand-in, run in a child process of the bench so that its work (TLS, JWT checks) does not share an
// event loop with the clients being measured. Driven by the parent over IPC.
import { startSendfactStandIn } from 'nestjs-sendfact-auth/testing';

const { key, cert, lifetime } = JSON.parse(process.env.BENCH_STAND_IN ?? '{}');
const standIn = await startSendfactStandIn({
  tls: { key, cert },
  tokenLifetimeSeconds: lifetime,
  // Cleared at the start of every measured segment; large enough never to drop an entry within one.
  logLimit: 5_000_000,
});

/** Epoch ms of the token requests logged since the last reset (the log's `at` is this process's clock). */
function tokenTimes() {
  const times = [];
  for (const entry of standIn.log) {
    if (entry.path === '/api/auth/token') times.push(performance.timeOrigin + entry.at);
  }
  return times;
}

const handlers = {
  reset() {
    standIn.resetStats();
    return {};
  },
  setLifetime({ seconds }) {
    standIn.tokenLifetimeSeconds = seconds;
    return {};
  },
  stats({ withTokenTimes }) {
    const stats = structuredClone(standIn.stats);
    return withTokenTimes ? { stats, tokenTimes: tokenTimes() } : { stats };
  },
  async close() {
    await standIn.close();
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async ({ id, op, args }) => {
  try {
    process.send({ id, ok: true, value: await handlers[op](args ?? {}) });
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, url: standIn.url });
