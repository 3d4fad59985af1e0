import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { type CommandInput, runCli } from '../../lib/cli/stand-in.command.js';

/** `stand-in` running in this process, on a free port, with signals sent by the test. */
export interface InProcessStandIn {
  /** The URL it printed on its `SENDFACT_BASE_URL=` line. */
  url: string;
  printed(): string;
  /** Resolves once `text` has been printed `times` times in all. */
  until(text: string, times?: number): Promise<void>;
  /** Stands in for the process: `signals.emit('SIGUSR2')` is the signal. */
  signals: EventEmitter;
  /** The exit code, once it stops. */
  exit: Promise<number>;
  stop(): Promise<number>;
}

/**
 * Runs `stand-in --port 0 <args>` through `runCli` and resolves once it has printed `Ctrl+C to stop.`. Keys come
 * from `input`: by default a stream that is no terminal (never stdin, which may be the terminal of whoever runs
 * the tests).
 */
export async function startInProcess(
  args: string[],
  input: CommandInput = new PassThrough(),
): Promise<InProcessStandIn> {
  const signals = new EventEmitter();
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const count = (text: string) => out.split(text).length - 1;
  const until = (text: string, times = 1) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (count(text) < times) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  const exit = runCli(
    ['stand-in', '--port', '0', ...args],
    {
      out: (text) => {
        out += text;
        for (const check of waiters) check();
      },
      err: (text) => (err += text),
    },
    signals,
    input,
  );
  await Promise.race([
    until('Ctrl+C to stop.'),
    exit.then((code) => Promise.reject(new Error(`exited ${code} before listening:\n${err}`))),
  ]);
  return {
    url: /SENDFACT_BASE_URL=(\S+)/.exec(out)![1]!,
    printed: () => out,
    until,
    signals,
    exit,
    stop: () => {
      signals.emit('SIGTERM');
      return exit;
    },
  };
}

/** Runs `nestjs-sendfact-auth <args>` through `runCli` when it is meant to stop at once (help, usage errors). */
export async function runAtOnce(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { out: (text) => (stdout += text), err: (text) => (stderr += text) },
    new EventEmitter(),
    new PassThrough(),
  );
  return { code, stdout, stderr };
}

/** `POST /api/auth/token` with this login; the response. */
export function tokenRequest(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

/** A token for this login (the request must succeed). */
export async function tokenFor(url: string, username: string, password: string): Promise<string> {
  const res = await tokenRequest(url, username, password);
  if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * What `GET /api/cpe/<a document never sent>/status` answers with `token`: 404 (no such document) when the
 * stand-in takes the token, 401 when it refuses it.
 */
export async function documentStatus(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/api/cpe/20515809822-01-F001-1/status`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}
