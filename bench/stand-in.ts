// The one way every bench script starts the stand-in: over TLS (Azure's policy refuses plain http), with a
// self-signed certificate made for the run, in a child process, with a document to poll.
import { fork } from 'node:child_process';
import https from 'node:https';
import axios from 'axios';
import { generate } from 'selfsigned';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import type { StandInRequest, StandInStatsAnswer } from './stand-in-process.js';

/** What every client is pointed at. */
export interface BenchTarget {
  /** Base URL of the stand-in (https). */
  url: string;
  /** Its self-signed certificate. */
  ca: string;
  credentials: { username: string; password: string };
  /** The API call every client makes: a document status poll. */
  path: string;
  /** A token valid for an hour, for the fixed-header floors. */
  fixedToken: string;
}

export interface StandInProcess {
  target: BenchTarget;
  reset(): Promise<void>;
  setLifetime(seconds: number): Promise<void>;
  stats(withTokenTimes?: boolean): Promise<StandInStatsAnswer>;
  close(): Promise<void>;
}

/** Starts the stand-in process; `lifetime` is the token lifetime it starts with, in seconds. */
export async function startStandInProcess(lifetime: number): Promise<StandInProcess> {
  const pem = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const child = fork(new URL('./stand-in-process.js', import.meta.url), {
    env: {
      ...process.env,
      BENCH_STAND_IN: JSON.stringify({ key: pem.private, cert: pem.cert, lifetime }),
    },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean; url?: string }) =>
      m.ready === true && m.url !== undefined
        ? resolve(m.url)
        : reject(new Error('stand-in failed')),
    );
    child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  let rpcId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    const waiter = m.id === undefined ? undefined : pending.get(m.id);
    if (waiter === undefined || m.id === undefined) return;
    pending.delete(m.id);
    if (m.ok === true) waiter.resolve(m.value);
    else waiter.reject(new Error(m.error));
  });
  const rpc = <T>(op: StandInRequest['op'], args?: StandInRequest['args']): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++rpcId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, op, args } satisfies StandInRequest);
    });

  // One document to poll, and a token valid for the whole run for the floors.
  const credentials = { ...STAND_IN_DEFAULT_ACCOUNT };
  const agent = new https.Agent({ ca: pem.cert });
  const setup = axios.create({ baseURL: url, httpsAgent: agent });
  await rpc('setLifetime', { seconds: 3_600 });
  const fixedToken = (await setup.post<{ access_token: string }>('/api/auth/token', credentials))
    .data.access_token;
  const fileName = '20515809822-01-F001-1';
  await setup.post(
    '/api/cpe/send',
    { file_name: fileName, file_content: Buffer.from('<Invoice/>').toString('base64') },
    { headers: { Authorization: `Bearer ${fixedToken}` } },
  );
  agent.destroy();
  await rpc('setLifetime', { seconds: lifetime });

  return {
    target: { url, ca: pem.cert, credentials, path: `/api/cpe/${fileName}/status`, fixedToken },
    reset: () => rpc('reset'),
    setLifetime: (seconds) => rpc('setLifetime', { seconds }),
    stats: (withTokenTimes = false) => rpc('stats', { withTokenTimes }),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await rpc('close');
      await exited;
    },
  };
}
