import { parseArgs } from 'node:util';
// The stand-in's own file, not the testing entry: that one loads Nest and axios, seconds of start-up for nothing.
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from '../testing/sendfact-stand-in.js';

const USAGE = `Usage: nestjs-sendfact-auth stand-in [options]

Runs the package's local Sendfact stand-in, for developing your app without Sendfact credentials:
real HTTP, real signed JWTs, and the document calls (sign, send, status). Stops on Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port <n>            port to listen on (default 4010; 0 picks a free one)
  --host <address>      address to listen on (default 127.0.0.1)
  --token-seconds <n>   lifetime of the tokens it issues, in seconds (default 120, like Sendfact)
  --username <name>     the login it accepts (default ${STAND_IN_DEFAULT_ACCOUNT.username})
  --password <text>     the password it accepts (default ${STAND_IN_DEFAULT_ACCOUNT.password})
  -h, --help            show this help
`;

/** Where the command writes: the process's streams, or a test's. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/** A usage error: the message, then the usage, on stderr; exit code 2. */
class UsageError extends Error {}

/**
 * Runs `nestjs-sendfact-auth <args>`. Resolves with the exit code once the command is done: at once for
 * `--help` and bad arguments, and for `stand-in` once a signal stopped it.
 */
export async function runCli(
  args: readonly string[],
  output: CommandOutput,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === undefined) throw new UsageError('Name a command');
    if (command === '-h' || command === '--help' || command === 'help') {
      output.out(USAGE);
      return 0;
    }
    if (command !== 'stand-in') throw new UsageError(`Unknown command "${command}"`);
    return await standIn(rest, output, signals);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof UsageError) && !String(code).startsWith('ERR_PARSE_ARGS')) throw error;
    output.err(`nestjs-sendfact-auth: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
}

async function standIn(
  args: readonly string[],
  output: CommandOutput,
  signals: NodeJS.EventEmitter,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      'token-seconds': { type: 'string', default: '120' },
      username: { type: 'string', default: STAND_IN_DEFAULT_ACCOUNT.username },
      password: { type: 'string', default: STAND_IN_DEFAULT_ACCOUNT.password },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    output.out(USAGE);
    return 0;
  }
  const port = wholeNumber(values.port, '--port', 0, 65_535);
  const tokenSeconds = Number(values['token-seconds']);
  if (!/^\d+(\.\d+)?$/.test(values['token-seconds']) || tokenSeconds <= 0 || tokenSeconds > 86_400)
    throw new UsageError('--token-seconds must be a number of seconds above 0, at most 86400');
  if (values.username === '' || values.password === '')
    throw new UsageError('--username and --password must not be empty');

  // Listening for the signals from the start: one that comes while the server starts still stops it cleanly.
  const { promise: stopped, resolve: stop } = deferred<string>();
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  const release = () => {
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  };
  let server: Awaited<ReturnType<typeof startSendfactStandIn>>;
  try {
    server = await startSendfactStandIn({
      host: values.host,
      port,
      tokenLifetimeSeconds: tokenSeconds,
      accounts: [{ username: values.username, password: values.password }],
    });
  } catch (error) {
    output.err(
      `nestjs-sendfact-auth: cannot listen on ${values.host}:${port}: ${(error as Error).message}\n`,
    );
    release();
    return 1;
  }
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(values.host))
    output.err(
      `Warning: listening on ${values.host}, not loopback: others on the network can use it.\n`,
    );
  output.out(
    [
      `Sendfact stand-in listening on ${server.url}`,
      `It accepts username ${values.username} with password ${values.password}; its tokens live ${tokenSeconds} s.`,
      'For your app (.env):',
      `SENDFACT_BASE_URL=${server.url}`,
      `SENDFACT_USERNAME=${values.username}`,
      `SENDFACT_PASSWORD=${values.password}`,
      'Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const signal = await stopped;
  release();
  await server.close();
  output.out(`Stopped (${signal}).\n`);
  return 0;
}

function wholeNumber(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** A promise and its resolve function (`Promise.withResolvers`, which Node 20 lacks). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
