import { parseArgs } from 'node:util';
import { accountVariableIdProblem } from '../config/account-id.js';
// The stand-in's own file, not the testing entry: that one loads Nest and axios, seconds of start-up for nothing.
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandInFault,
} from '../testing/sendfact-stand-in.js';

export const USAGE = `Usage: nestjs-sendfact-auth stand-in [options]

Runs the package's local Sendfact stand-in, for developing your app without Sendfact credentials:
real HTTP, real signed JWTs, and the document calls (sign, send, status). Stops on Ctrl+C (SIGINT) or SIGTERM.

Options (each at most once, but for --account, --token-fault and --api-fault):
  --port <n>              port to listen on (default 4010; 0 picks a free one)
  --host <address>        address to listen on (default 127.0.0.1)
  --token-seconds <n>     lifetime of the tokens it issues, in seconds (default 120, like Sendfact)
  --account [ID=]USERNAME:PASSWORD
                          a login it accepts, one per company; repeat it for several. Split at the first
                          colon: a password may hold colons. Printed as SENDFACT_ACCOUNT_<ID>_USERNAME and
                          _PASSWORD, <ID> the RUC of a username USER<RUC> unless ID= names it (letters,
                          digits, _); with one account, as SENDFACT_USERNAME and SENDFACT_PASSWORD too
  --username <name>       the one login it accepts (default ${STAND_IN_DEFAULT_ACCOUNT.username}); not with --account
  --password <text>       its password (default ${STAND_IN_DEFAULT_ACCOUNT.password})
  --token-fault <fault>   token requests misbehave as <fault>; repeated, the faults queue in order
  --api-fault <fault>     the same for the other routes (sign, send, status)
  -h, --help              show this help

Faults: <kind>[,retry-after=<seconds>][,count=<n>|all]; without count, every request from then on:
  503                     answer that status (200 to 599); retry-after adds a Retry-After header
  hang                    never answer
  reset                   drop the connection before the headers (also: reset-before-headers)
  reset-after-headers     send the headers, then drop the connection
  delay=<ms>              wait, then answer normally
  trickle=<ms>            answer normally, one byte every <ms>
  content-type=<type>     answer normally under another Content-Type
  e.g. --token-fault 503,retry-after=30,count=2 --token-fault reset,count=1

While it runs:
  kill -USR2 <pid>        revoke every token issued so far: they get 401, new ones work
  r                       the same, pressed in the terminal it runs in
  c                       forget the faults still queued, pressed in the terminal
`;

/** A usage error: the message, then the usage, on stderr; exit code 2. */
export class UsageError extends Error {}

/** A login the stand-in accepts, and the account id the app's variables name it by (none: the plain ones). */
export interface StandInLogin {
  /** The account id as the app reads it from `SENDFACT_ACCOUNT_<ID>_*`: lower case. */
  id?: string;
  username: string;
  password: string;
}

/** `fault` for the next `count` requests (`Infinity`: every one). */
export interface QueuedFault {
  count: number;
  fault: SendfactStandInFault;
}

/** What `stand-in <args>` asks for, checked. */
export interface StandInArguments {
  host: string;
  port: number;
  tokenSeconds: number;
  /** In the order given; one without an id when it came from `--username`/`--password` or the default. */
  logins: StandInLogin[];
  tokenFaults: QueuedFault[];
  apiFaults: QueuedFault[];
}

/** The most a count may queue: `failNextTokenRequests` keeps no more of one call. */
const MAX_COUNT = 10_000;

/** Parses `stand-in`'s arguments, or throws a {@link UsageError} saying what to fix. `'help'` for `--help`. */
export function parseStandInArguments(args: readonly string[]): StandInArguments | 'help' {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    // Every option collects its repeats, so that a repeat is refused rather than the last one kept.
    options: {
      port: { type: 'string', multiple: true },
      host: { type: 'string', multiple: true },
      'token-seconds': { type: 'string', multiple: true },
      account: { type: 'string', multiple: true },
      username: { type: 'string', multiple: true },
      password: { type: 'string', multiple: true },
      'token-fault': { type: 'string', multiple: true },
      'api-fault': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';

  const port = wholeNumber(once(values.port, 'port') ?? '4010', '--port', 0, 65_535);
  const host = once(values.host, 'host') ?? '127.0.0.1';
  const seconds = once(values['token-seconds'], 'token-seconds') ?? '120';
  const tokenSeconds = Number(seconds);
  if (!/^\d+(\.\d+)?$/.test(seconds) || tokenSeconds <= 0 || tokenSeconds > 86_400)
    throw new UsageError('--token-seconds must be a number of seconds above 0, at most 86400');

  const username = once(values.username, 'username');
  const password = once(values.password, 'password');
  let logins: StandInLogin[];
  if (values.account !== undefined) {
    if (username !== undefined || password !== undefined)
      throw new UsageError(
        '--username/--password cannot go with --account: give every login as --account USERNAME:PASSWORD',
      );
    logins = parseAccounts(values.account);
  } else {
    const login = {
      username: username ?? STAND_IN_DEFAULT_ACCOUNT.username,
      password: password ?? STAND_IN_DEFAULT_ACCOUNT.password,
    };
    if (login.username === '' || login.password === '')
      throw new UsageError('--username and --password must not be empty');
    checkLogin(login, '--username/--password');
    logins = [login];
  }

  return {
    host,
    port,
    tokenSeconds,
    logins,
    tokenFaults: parseFaults(values['token-fault'] ?? [], '--token-fault'),
    apiFaults: parseFaults(values['api-fault'] ?? [], '--api-fault'),
  };
}

/**
 * `value` as a `.env` line holds it, read back unchanged by dotenv: bare, or quoted when it has spaces, `#`,
 * quotes, `$` or `\`. `undefined` when no quoting keeps it whole (a line break; both kinds of quotes).
 */
export function envValue(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return undefined;
  if (value !== '' && !/[\s#'"`$\\]/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  if (!/["$\\]/.test(value)) return `"${value}"`;
  return undefined;
}

function once(given: string[] | undefined, name: string): string | undefined {
  if (given !== undefined && given.length > 1)
    throw new UsageError(`--${name} was given ${given.length} times: give it once`);
  return given?.[0];
}

function parseAccounts(texts: readonly string[]): StandInLogin[] {
  const logins: StandInLogin[] = [];
  for (const text of texts) {
    const login = parseAccount(text);
    const sameId = logins.find((other) => other.id === login.id);
    if (sameId !== undefined)
      throw new UsageError(
        `Two --account name the account id "${login.id}" (${sameId.username} and ${login.username}): ` +
          'give each its own with --account ID=USERNAME:PASSWORD',
      );
    if (logins.some((other) => other.username === login.username))
      throw new UsageError(
        `Two --account give the username ${login.username}: one username is one login, give it once`,
      );
    logins.push(login);
  }
  return logins;
}

/** `[ID=]USERNAME:PASSWORD`, split at the first colon; an `=` before it ends the id. */
function parseAccount(text: string): StandInLogin {
  const colon = text.indexOf(':');
  if (colon < 0)
    throw new UsageError(
      `--account ${text} has no colon: write --account USERNAME:PASSWORD (or ID=USERNAME:PASSWORD)`,
    );
  const head = text.slice(0, colon);
  const password = text.slice(colon + 1);
  const equals = head.indexOf('=');
  const named = equals < 0 ? undefined : head.slice(0, equals);
  const username = head.slice(equals + 1);
  // Never the password in a message: it may be a real one.
  const shown = `--account ${head}:…`;
  if (username === '')
    throw new UsageError(`${shown} has an empty username: write --account USERNAME:PASSWORD`);
  if (password === '')
    throw new UsageError(`${shown} has an empty password: write --account USERNAME:PASSWORD`);
  checkLogin({ username, password }, shown);
  if (named !== undefined) return { id: accountId(named, shown), username, password };
  const ruc = /^USER(\d{11})$/.exec(username)?.[1];
  if (ruc === undefined)
    throw new UsageError(
      `${shown}: the username is not USER + an 11-digit RUC, so it names no account id; ` +
        `name one: --account ID=${username}:PASSWORD (ID: letters, digits, _)`,
    );
  return { id: ruc, username, password };
}

/** The account id `named` gives, as the app reads it back from `SENDFACT_ACCOUNT_<ID>_*`. */
function accountId(named: string, shown: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(named)) {
    const fixed = named.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
    const example = /[A-Za-z0-9]/.test(fixed) ? `, e.g. ${fixed}` : '';
    throw new UsageError(
      `${shown}: the account id "${named}" cannot be written in SENDFACT_ACCOUNT_<ID>_USERNAME, ` +
        `which takes 1 to 64 letters, digits and _: use such an id${example}`,
    );
  }
  const problem = accountVariableIdProblem(named.toUpperCase());
  if (problem !== undefined) throw new UsageError(`${shown} ${problem}: use another id`);
  return named.toLowerCase();
}

function checkLogin(login: { username: string; password: string }, shown: string): void {
  if (login.username.trim() !== login.username)
    throw new UsageError(`${shown}: the username starts or ends with a space, which the app trims`);
  for (const field of ['username', 'password'] as const)
    if (envValue(login[field]) === undefined)
      throw new UsageError(
        `${shown}: the ${field} cannot be written on a .env line (a line break, or both ' and " with $ or \\): ` +
          'choose another for local development',
      );
}

function parseFaults(texts: readonly string[], flag: string): QueuedFault[] {
  const queued = texts.map((text) => parseFault(text, `${flag} ${text}`));
  const endless = queued.findIndex((entry) => entry.count === Infinity);
  if (endless >= 0 && endless < queued.length - 1)
    throw new UsageError(
      `${flag} ${texts[endless + 1]} is never reached: ${flag} ${texts[endless]} takes every request ` +
        'from then on; give it a count (count=<n>)',
    );
  return queued;
}

/** `<kind>[,retry-after=<seconds>][,count=<n>|all]` as a fault of the stand-in. */
function parseFault(text: string, shown: string): QueuedFault {
  const [kind = '', ...options] = text.split(',');
  let count = Infinity;
  let retryAfter: string | undefined;
  const seen = new Set<string>();
  for (const option of options) {
    const [key = '', value] = splitOnce(option, '=');
    if (seen.has(key)) throw new UsageError(`${shown} gives ${key} twice: give it once`);
    seen.add(key);
    if (key === 'count' && value !== undefined)
      count = value === 'all' ? Infinity : wholeNumber(value, `${shown}: count`, 1, MAX_COUNT);
    else if (key === 'retry-after' && value !== undefined)
      retryAfter = String(wholeNumber(value, `${shown}: retry-after`, 0, 86_400));
    else
      throw new UsageError(
        `${shown}: unknown option "${option}" (count=<n>, count=all, or retry-after=<seconds> after a status)`,
      );
  }
  const fault = faultOf(kind, shown);
  if (retryAfter !== undefined) {
    if (fault.type !== 'status')
      throw new UsageError(`${shown}: retry-after goes with a status, e.g. 503,retry-after=30`);
    fault.headers = { 'retry-after': retryAfter };
  }
  return { count, fault };
}

function faultOf(kind: string, shown: string): SendfactStandInFault {
  const [name = '', value] = splitOnce(kind, '=');
  const bare = (fault: SendfactStandInFault): SendfactStandInFault => {
    if (value !== undefined) throw new UsageError(`${shown}: ${name} takes no value`);
    return fault;
  };
  const needed = (): string => {
    if (value === undefined || value === '')
      throw new UsageError(`${shown}: ${name} needs a value, e.g. ${name}=${EXAMPLES[name]}`);
    return value;
  };
  if (/^\d+$/.test(name))
    return bare({ type: 'status', status: wholeNumber(name, `${shown}: the status`, 200, 599) });
  switch (name) {
    case 'hang':
      return bare({ type: 'hang' });
    case 'reset':
    case 'reset-before-headers':
      return bare({ type: 'reset-before-headers' });
    case 'reset-after-headers':
      return bare({ type: 'reset-after-headers' });
    case 'delay':
      return { type: 'delay', ms: wholeNumber(needed(), `${shown}: delay`, 1, 3_600_000) };
    case 'trickle':
      return { type: 'trickle', intervalMs: wholeNumber(needed(), `${shown}: trickle`, 1, 60_000) };
    case 'content-type':
      return { type: 'content-type', contentType: needed() };
    default:
      throw new UsageError(
        `${shown}: unknown fault "${name}" (a status such as 503, hang, reset, reset-after-headers, ` +
          'delay=<ms>, trickle=<ms> or content-type=<type>)',
      );
  }
}

const EXAMPLES: Record<string, string> = {
  delay: '2000',
  trickle: '50',
  'content-type': 'text/html',
};

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function wholeNumber(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}
