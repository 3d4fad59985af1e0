import { type ChildProcess, spawn } from 'node:child_process';
import { type OutgoingHttpHeaders, request } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The built sample, as `npm start` runs it. */
export const main = fileURLToPath(new URL('../../dist-sample/main.js', import.meta.url));

/** The environment of a fresh clone: no Sendfact credentials. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SENDFACT_')) delete env[name];
  return { ...env, SENDFACT_STAND_IN_TOKEN_SECONDS: '2' };
}

/**
 * Starts the sample as a server; resolves once it prints that it listens, with its base URL, its output so
 * far, and `printed(pattern)`, which resolves once its output matches (stdout comes in chunks).
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<{
  child: ChildProcess;
  base: string;
  output: () => string;
  printed: (pattern: RegExp) => Promise<RegExpExecArray>;
}> {
  const child: ChildProcess = spawn(process.execPath, [main, '--port', '0'], { env });
  let out = '';
  const waiting = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const check of waiting) check();
  });
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`the sample did not print ${pattern} in time:\n${out}`));
      }, 30_000);
      const check = () => {
        const match = pattern.exec(out);
        if (!match) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve(match);
      };
      waiting.add(check);
      check();
    });
  const [, base] = await printed(/Serving the sample API on (http:\/\/\S+:\d+)/);
  return { child, base: base!, output: () => out, printed };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

export interface Sent {
  method?: string;
  path: string;
  /** Sent as given: a `host` here replaces the one Node would write. */
  headers?: OutgoingHttpHeaders;
  body?: string;
}

/**
 * One HTTP request to 127.0.0.1:`port` with exactly the headers given (node:http, not fetch, so that the
 * test writes the Host and Origin a browser page would), on a connection of its own.
 */
export function send(
  port: number,
  { method = 'GET', path, headers = {}, body }: Sent,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: parsed(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The sample answers JSON; anything else is kept as text, for the assertion to show. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
