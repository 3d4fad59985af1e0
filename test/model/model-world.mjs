// The world the model-based test drives the module in, on a fake clock: a model of Sendfact (its token endpoint
// as the SENDFACT_TOKEN_FETCHER provider, its API as the axios adapter of every client), a token store with
// faults, and a manual clock. Everything answers in-process, so a sequence of hundreds of steps runs in
// milliseconds and the same seed replays it exactly.
import { AxiosError, AxiosHeaders, CanceledError } from 'axios';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from 'nestjs-sendfact-auth';

/** Lets every promise callback that can run, run: three turns of the event loop. */
export async function settle() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The module's `clock` option: time moves only when the driver says. Timers fire in order of their due time,
 * then of their arming, with promises settled between two timers.
 */
export class ManualClock {
  #now = 1_000;
  #wallStart = Date.UTC(2026, 11, 4, 12);
  #timers = new Map();
  #seq = 0;

  now() {
    return this.#now;
  }

  wallNow() {
    return this.#wallStart + this.#now;
  }

  setTimer(fn, ms) {
    const id = ++this.#seq;
    this.#timers.set(id, { due: this.#now + (ms > 0 ? ms : 0), fn });
    return { cancel: () => this.#timers.delete(id) };
  }

  /** Timers armed and neither fired nor cancelled. */
  get pending() {
    return this.#timers.size;
  }

  /** The due time of the next timer, `undefined` when none is armed (or only ones that never fire). */
  nextDue() {
    let next;
    for (const timer of this.#timers.values())
      if (Number.isFinite(timer.due) && (next === undefined || timer.due < next)) next = timer.due;
    return next;
  }

  /** Runs the earliest timer (after letting promises settle); returns false when none is armed. */
  async step() {
    await settle();
    let first;
    for (const entry of this.#timers) {
      if (!Number.isFinite(entry[1].due)) continue;
      if (first === undefined || entry[1].due < first[1].due) first = entry;
    }
    if (first === undefined) return false;
    this.#timers.delete(first[0]);
    this.#now = Math.max(this.#now, first[1].due);
    first[1].fn();
    await settle();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due meanwhile. */
  async advance(ms) {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.nextDue();
      if (due === undefined || due > target) break;
      await this.step();
    }
    this.#now = target;
    await settle();
  }
}

/** Resolves after `ms` on `clock`; rejects with `reason()` when `signal` fires first. */
function delay(clock, ms, signal, reason) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reason());
    const onAbort = () => {
      timer.cancel();
      reject(reason());
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener?.('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener?.('abort', onAbort, { once: true });
  });
}

/** The kinds of misbehaviour of the token endpoint a step can queue, each for one token request. */
export const ENDPOINT_FAULTS = ['503', '429', 'hang', 'refuse', 'garbage'];

/**
 * Sendfact as the module meets it: a token endpoint that issues tokens living `lifetimeMs` (counted from when
 * it answers), an API that refuses tokens it did not issue, revoked ones, expired ones, and every token on
 * the paths that always answer 401. It records what no module may do: send an expired token, send a token to
 * another origin.
 */
export class ModelSendfact {
  /** Every token request that reached the endpoint: `{ at, fault }`. */
  tokenRequests = [];
  tokensIssued = 0;
  /** API requests that arrived with a token past its life (by the module's own clock: the send time). */
  expiredSent = [];
  /** Requests to another origin that carried a token of ours. */
  foreignWithToken = [];
  /** Call ids the API saw (a call is sent when its id arrives). */
  seen = new Set();

  #clock;
  #origin;
  #lifetimeMs;
  #timeoutMs;
  #accounts;
  #issued = new Map();
  #epoch = 0;
  #faults = [];
  #seq = 0;

  constructor(clock, { origin, lifetimeMs, timeoutMs, accounts }) {
    this.#clock = clock;
    this.#origin = origin;
    this.#lifetimeMs = lifetimeMs;
    this.#timeoutMs = timeoutMs;
    this.#accounts = new Map(accounts.map((a) => [a.username, a.password]));
  }

  /** Every token issued so far is refused from now on. */
  revoke() {
    this.#epoch++;
  }

  /** The next `count` token requests misbehave as `fault`. */
  queueFaults(fault, count) {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  clearFaults() {
    this.#faults.length = 0;
  }

  get faultsQueued() {
    return this.#faults.length;
  }

  /** Whether `token` is one this endpoint issued and would accept now on a path that accepts tokens. */
  accepts(token) {
    const info = this.#issued.get(token);
    return info !== undefined && info.epoch === this.#epoch && this.#clock.now() < info.expiresAt;
  }

  /** Whether `value` is a token this endpoint issued (live or not). */
  issued(value) {
    return typeof value === 'string' && this.#issued.has(value.replace(/^Bearer /, ''));
  }

  /** The provider behind SENDFACT_TOKEN_FETCHER: POST /api/auth/token, with its latency and faults. */
  get fetcher() {
    return {
      requestToken: (credentials, signal, accountId) =>
        this.#requestToken(credentials, signal, accountId),
    };
  }

  /** The axios adapter of every client: the Sendfact API, and any other origin. */
  get adapter() {
    return (config) => this.#api(config);
  }

  async #requestToken(credentials, signal, accountId) {
    const aborted = () => signal.reason;
    await delay(this.#clock, 10, signal, aborted);
    const fault = this.#faults.shift();
    this.tokenRequests.push({ at: this.#clock.now(), fault });
    const ids = { accountId };
    switch (fault) {
      case '503':
        throw new SendfactTokenRequestError('the token endpoint answered HTTP 503', {
          ...ids,
          status: 503,
          retryable: true,
        });
      case '429':
        throw new SendfactTokenRequestError('the token endpoint answered HTTP 429', {
          ...ids,
          status: 429,
          retryable: true,
          retryAfterMs: 200,
        });
      case 'hang':
        await delay(this.#clock, this.#timeoutMs, signal, aborted);
        throw new SendfactTokenRequestError(
          `the token request timed out after ${this.#timeoutMs} ms`,
          { ...ids, retryable: true },
        );
      case 'refuse':
        throw new SendfactCredentialsError(401, ids);
      case 'garbage':
        throw new SendfactTokenResponseError('the body is not JSON (12 characters)', ids);
      default:
        break;
    }
    if (this.#accounts.get(credentials.username) !== credentials.password)
      throw new SendfactCredentialsError(401, ids);
    const value = `model.${++this.#seq}.${credentials.username}`;
    this.#issued.set(value, {
      expiresAt: this.#clock.now() + this.#lifetimeMs,
      epoch: this.#epoch,
    });
    this.tokensIssued++;
    return { accessToken: value, lifetimeMs: this.#lifetimeMs };
  }

  async #api(config) {
    const headers = AxiosHeaders.from(config.headers);
    const url = fullUrl(config);
    const bearer = /^Bearer (.+)$/.exec(String(headers.get('Authorization') ?? ''))?.[1];
    const callId = headers.get('x-call-id');
    if (url.origin !== this.#origin) {
      if (bearer !== undefined && this.#issued.has(bearer))
        this.foreignWithToken.push(`${url.origin}${url.pathname}`);
      return answer(config, 200, { elsewhere: true });
    }
    const info = bearer === undefined ? undefined : this.#issued.get(bearer);
    if (info !== undefined && this.#clock.now() >= info.expiresAt)
      this.expiredSent.push(`${url.pathname} ${this.#clock.now() - info.expiresAt} ms late`);
    if (callId !== undefined) this.seen.add(String(callId));
    const signal = config.signal;
    await delay(this.#clock, 2, signal, () => new CanceledError(undefined, config));
    const status =
      info === undefined || info.epoch !== this.#epoch || this.#clock.now() >= info.expiresAt
        ? 401
        : url.pathname.includes('always401')
          ? 401
          : url.pathname.startsWith('/api/cpe/')
            ? 200
            : 200;
    const body =
      status === 401
        ? { message: 'Unauthenticated.' }
        : url.pathname.startsWith('/api/cpe/')
          ? { document_status: 1, message: 'ok' }
          : { ok: true };
    return answer(config, status, body);
  }
}

/** Where an axios config goes, as axios builds it: an absolute `url`, else `baseURL` + `url`. */
function fullUrl(config) {
  const url = String(config.url ?? '');
  if (/^([a-z][a-z\d+\-.]*:)?\/\//i.test(url) && config.allowAbsoluteUrls !== false)
    return new URL(url);
  const base = String(config.baseURL ?? '').replace(/\/+$/, '');
  return new URL(base + (url.startsWith('/') ? url : `/${url}`));
}

/** Settles as axios's own adapters do: a response, or an AxiosError when `validateStatus` refuses it. */
function answer(config, status, data) {
  const response = {
    status,
    statusText: String(status),
    headers: new AxiosHeaders({ 'content-type': 'application/json' }),
    config,
    data: JSON.stringify(data),
    request: { model: true },
  };
  const validate = config.validateStatus;
  if (!validate || validate(status)) return response;
  throw new AxiosError(
    `Request failed with status code ${status}`,
    status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
    config,
    response.request,
    response,
  );
}

/**
 * A shared token store with the faults a real one has: it can be down (every call fails at once), slow
 * (every call hangs: the module's store-call bound must give up), or hold junk (values no module stored).
 */
export class ModelStore {
  keyDerivation = { hmacSecret: 'model-store-secret-0123456789abcdef' };
  /** 'up', 'down' or 'slow'. */
  mode = 'up';
  #clock;
  #values = new Map();
  #leases = new Map();
  #seq = 0;

  constructor(clock) {
    this.#clock = clock;
  }

  /** Replaces every value held with junk: another key's value, or no token at all. */
  corrupt() {
    const values = [...this.#values.values()];
    let i = 0;
    for (const [key, value] of this.#values) {
      const other = values[(i + 1) % values.length];
      this.#values.set(
        key,
        i % 2 === 0 && other !== value
          ? { ...other }
          : { accessToken: 'junk junk', lifetimeMs: -5, mac: 'zz', until: value.until },
      );
      i++;
    }
  }

  get size() {
    return this.#values.size;
  }

  async get(key) {
    await this.#call();
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    const remainingMs = value.until - this.#clock.now();
    if (remainingMs <= 0) {
      this.#values.delete(key);
      return undefined;
    }
    const { until: _until, ...stored } = value;
    return { ...stored, remainingMs };
  }

  async set(key, token, ttlMs) {
    await this.#call();
    if (ttlMs > 0) this.#values.set(key, { ...token, until: this.#clock.now() + ttlMs });
  }

  async deleteIfCurrent(key, accessToken) {
    await this.#call();
    if (this.#values.get(key)?.accessToken === accessToken) this.#values.delete(key);
  }

  async acquireLease(key, ttlMs) {
    await this.#call();
    const held = this.#leases.get(key);
    if (held !== undefined && held.until > this.#clock.now()) return undefined;
    const id = `lease-${++this.#seq}`;
    this.#leases.set(key, { id, until: this.#clock.now() + ttlMs });
    return id;
  }

  async releaseLease(key, leaseId) {
    await this.#call();
    if (this.#leases.get(key)?.id === leaseId) this.#leases.delete(key);
  }

  #call() {
    if (this.mode === 'down') return Promise.reject(new Error('the model store is down'));
    if (this.mode === 'slow') return new Promise(() => {});
    return Promise.resolve();
  }
}
