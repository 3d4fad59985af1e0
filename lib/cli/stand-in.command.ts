import { isatty } from 'node:tty';
// The stand-in's own file, not the testing entry: that one loads Nest and axios, seconds of start-up for nothing.
import {
  type SendfactStandIn,
  type SendfactStandInFault,
  startSendfactStandIn,
} from '../testing/sendfact-stand-in.js';
import {
  type QueuedFault,
  type StandInArguments,
  USAGE,
  UsageError,
  envValue,
  parseStandInArguments,
} from './stand-in.arguments.js';

/** Where the command writes: the process's streams, or a test's. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Where keys come from: the terminal on stdin, or a test's stream. Read only when it is a terminal. */
export interface CommandInput extends NodeJS.EventEmitter {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * Runs `nestjs-sendfact-auth <args>`. Resolves with the exit code once the command is done: at once for
 * `--help` and bad arguments, and for `stand-in` once a signal (or Ctrl+C) stopped it. Keys are read from
 * `input` only when it is a terminal; by default, from stdin when that is one.
 */
export async function runCli(
  args: readonly string[],
  output: CommandOutput,
  signals: NodeJS.EventEmitter = process,
  input?: CommandInput,
): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === undefined) throw new UsageError('Name a command');
    if (command === '-h' || command === '--help' || command === 'help') {
      output.out(USAGE);
      return 0;
    }
    if (command !== 'stand-in') throw new UsageError(`Unknown command "${command}"`);
    const parsed = parseStandInArguments(rest);
    if (parsed === 'help') {
      output.out(USAGE);
      return 0;
    }
    return await runStandIn(parsed, output, signals, input);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof UsageError) && !String(code).startsWith('ERR_PARSE_ARGS')) throw error;
    output.err(`nestjs-sendfact-auth: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
}

async function runStandIn(
  options: StandInArguments,
  output: CommandOutput,
  signals: NodeJS.EventEmitter,
  input: CommandInput | undefined,
): Promise<number> {
  const { host, port, tokenSeconds, logins } = options;
  let server: SendfactStandIn | undefined;
  // Listening for the signals from the start: one that comes while the server starts still stops it cleanly,
  // and a SIGUSR2 then (no token issued yet, nothing to revoke) does not kill the process, as it would unheard.
  const { promise: stopped, resolve: stop } = deferred<string>();
  const revoke = (why: string) => {
    if (server === undefined) return;
    server.revokeTokens();
    output.out(`Revoked every token issued so far (${why}): they get 401 now; new ones work.\n`);
  };
  const handlers: Record<string, () => void> = {
    SIGINT: () => stop('SIGINT'),
    SIGTERM: () => stop('SIGTERM'),
    // Not SIGUSR1: Node keeps it for starting the inspector.
    SIGUSR2: () => revoke('SIGUSR2'),
  };
  for (const [signal, handler] of Object.entries(handlers)) signals.on(signal, handler);
  const release = () => {
    for (const [signal, handler] of Object.entries(handlers)) signals.off(signal, handler);
  };
  try {
    server = await startSendfactStandIn({
      host,
      port,
      tokenLifetimeSeconds: tokenSeconds,
      accounts: logins.map(({ username, password }) => ({ username, password })),
    });
  } catch (error) {
    output.err(
      `nestjs-sendfact-auth: cannot listen on ${host}:${port}: ${(error as Error).message}\n`,
    );
    release();
    return 1;
  }
  const standIn = server;
  for (const { count, fault } of options.tokenFaults) standIn.failNextTokenRequests(count, fault);
  for (const { count, fault } of options.apiFaults) standIn.failNextApiRequests(count, fault);

  const stopKeys = readKeys(input ?? (isatty(0) ? process.stdin : undefined), (key) => {
    if (key === 'r') revoke('key r');
    if (key === 'c') {
      standIn.clearFaults();
      output.out('Forgot the faults still queued (key c): requests are answered normally.\n');
    }
    // The terminal in raw mode sends Ctrl+C as a character, no longer as SIGINT.
    if (key === '\u0003') stop('Ctrl+C');
  });

  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host))
    output.err(`Warning: listening on ${host}, not loopback: others on the network can use it.\n`);
  const lines = [`Sendfact stand-in listening on ${standIn.url}`];
  if (logins.length === 1) {
    const { id, username, password } = logins[0]!;
    const account = id === undefined ? '' : ` (account ${id})`;
    lines.push(
      `It accepts username ${username} with password ${password}${account}; its tokens live ${tokenSeconds} s.`,
    );
  } else {
    lines.push(`It accepts ${logins.length} logins; its tokens live ${tokenSeconds} s:`);
    for (const { id, username, password } of logins)
      lines.push(`  account ${id}: username ${username}, password ${password}`);
  }
  if (options.tokenFaults.length > 0)
    lines.push(`Token requests misbehave: ${describeFaults(options.tokenFaults)}.`);
  if (options.apiFaults.length > 0)
    lines.push(`API requests misbehave: ${describeFaults(options.apiFaults)}.`);
  const faulty = options.tokenFaults.length + options.apiFaults.length > 0;
  lines.push(
    stopKeys === undefined
      ? `To revoke every token issued so far: kill -USR2 ${process.pid}`
      : `To revoke every token issued so far: press r, or kill -USR2 ${process.pid}` +
          (faulty ? '; c forgets the faults' : ''),
  );
  lines.push('For your app (.env):', `SENDFACT_BASE_URL=${standIn.url}`);
  if (logins.length === 1)
    lines.push(
      `SENDFACT_USERNAME=${envValue(logins[0]!.username)}`,
      `SENDFACT_PASSWORD=${envValue(logins[0]!.password)}`,
    );
  for (const { id, username, password } of logins) {
    if (id === undefined) continue;
    const name = `SENDFACT_ACCOUNT_${id.toUpperCase()}`;
    lines.push(`${name}_USERNAME=${envValue(username)}`, `${name}_PASSWORD=${envValue(password)}`);
  }
  lines.push('Ctrl+C to stop.', '');
  output.out(lines.join('\n'));

  const signal = await stopped;
  stopKeys?.();
  release();
  await standIn.close();
  output.out(`Stopped (${signal}).\n`);
  return 0;
}

/**
 * Calls `onKey` with each key pressed, when `input` is a terminal; returns the function that gives the
 * terminal back, or `undefined` (nothing read: a pipe or a file on stdin is left alone).
 */
function readKeys(
  input: CommandInput | undefined,
  onKey: (key: string) => void,
): (() => void) | undefined {
  if (input?.isTTY !== true || input.setRawMode === undefined) return undefined;
  const terminal = input as CommandInput & { setRawMode(raw: boolean): unknown };
  const onData = (chunk: Buffer | string) => {
    for (const key of String(chunk)) onKey(key);
  };
  terminal.setRawMode(true);
  terminal.on('data', onData);
  terminal.resume();
  return () => {
    terminal.off('data', onData);
    terminal.setRawMode(false);
    terminal.pause();
  };
}

function describeFaults(queued: readonly QueuedFault[]): string {
  return queued
    .map(
      ({ count, fault }) => `${count === Infinity ? 'all' : `next ${count}`}: ${faultLabel(fault)}`,
    )
    .join('; then ');
}

function faultLabel(fault: SendfactStandInFault): string {
  switch (fault.type) {
    case 'status': {
      const retryAfter = fault.headers?.['retry-after'];
      return retryAfter === undefined
        ? `${fault.status}`
        : `${fault.status}, Retry-After: ${retryAfter}`;
    }
    case 'hang':
      return 'hang';
    case 'reset-before-headers':
      return 'reset before the headers';
    case 'reset-after-headers':
      return 'reset after the headers';
    case 'delay':
      return `delay ${fault.ms} ms`;
    case 'trickle':
      return `trickle, a byte every ${fault.intervalMs} ms`;
    case 'content-type':
      return `Content-Type: ${fault.contentType}`;
    case 'body':
      return 'a body of its own';
  }
}

/** A promise and its resolve function (`Promise.withResolvers`, which Node 20 lacks). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
