import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { SENDFACT_AUTH_OPTIONS, type SendfactAuthModuleOptions } from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandInOptions,
} from 'nestjs-sendfact-auth/testing';
import { startTestApp, type TestApp } from './app.js';

/**
 * The password every fault test logs in with: long and odd enough that finding it anywhere (a log line, an
 * error, an inspected object) can only mean it leaked.
 */
export const SECRET_PASSWORD = 'Sf!pw-ZX9q7-distinctive-canary-51e3';

/** Anything shaped like a JWT: no full token may show up in what we collect, whoever issued it. */
const JWT_SHAPE = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;

/**
 * Collects everything a user could see or log while the module misbehaves: every Nest log line, every error
 * a caller got (message and `util.inspect`), every event, the inspected options; and every token handed out.
 * Also collects unhandled rejections. `leaks()` then says what, of the password and the tokens, showed up.
 */
export class SecretsWitness {
  readonly texts: string[] = [];
  readonly tokens = new Set<string>();
  readonly unhandled: unknown[] = [];
  logLines = 0;
  errors = 0;

  readonly logger: LoggerService = {
    log: (...args: unknown[]) => this.#log('log', args),
    error: (...args: unknown[]) => this.#log('error', args),
    warn: (...args: unknown[]) => this.#log('warn', args),
    debug: (...args: unknown[]) => this.#log('debug', args),
    verbose: (...args: unknown[]) => this.#log('verbose', args),
    fatal: (...args: unknown[]) => this.#log('fatal', args),
  };

  readonly #onUnhandled = (reason: unknown) => {
    this.unhandled.push(reason);
  };

  /** Starts listening for unhandled rejections (call in `beforeAll`). */
  install(): void {
    process.on('unhandledRejection', this.#onUnhandled);
  }

  uninstall(): void {
    process.off('unhandledRejection', this.#onUnhandled);
  }

  /** Records an error a caller got, as a caller might log it. */
  error(error: unknown): void {
    this.errors++;
    this.texts.push(String(error), inspect(error), inspect(error, { depth: 6 }));
    if (error instanceof Error) this.texts.push(error.message, error.stack ?? '');
    try {
      this.texts.push(JSON.stringify(error) ?? '');
    } catch {
      // Circular (e.g. an AxiosError's request): inspect above already covered it.
    }
  }

  /** Records a token a caller got: it must never show up anywhere else. */
  token(token: string | undefined): void {
    if (token !== undefined) this.tokens.add(token);
  }

  /** Records any object a user might inspect or log. */
  inspect(value: unknown): void {
    this.texts.push(inspect(value), inspect(value, { depth: 6 }));
  }

  /** The leaks found: one line each, naming where, without repeating the secret. */
  leaks(): string[] {
    const found: string[] = [];
    this.texts.forEach((text, i) => {
      if (text.includes(SECRET_PASSWORD)) found.push(`text #${i} holds the password`);
      for (const token of this.tokens) {
        if (text.includes(token)) found.push(`text #${i} holds a full access token`);
      }
      if (JWT_SHAPE.test(text)) found.push(`text #${i} holds something shaped like a JWT`);
    });
    return found;
  }

  #log(level: string, args: unknown[]): void {
    this.logLines++;
    this.texts.push(
      `${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ')}`,
    );
  }
}

export interface FaultApp extends TestApp {
  /** Token requests the stand-in has seen. */
  tokenRequests(): number;
}

/**
 * A Nest application context whose module logs in to a fresh stand-in with {@link SECRET_PASSWORD}, with
 * short retry delays, Nest's logger captured by `witness`, and every event and handed-out token recorded.
 */
export async function startFaultApp(
  witness: SecretsWitness,
  options: SendfactAuthModuleOptions = {},
  standInOptions: SendfactStandInOptions = {},
): Promise<FaultApp> {
  const username = STAND_IN_DEFAULT_ACCOUNT.username;
  const t = await startTestApp(
    {
      username,
      password: SECRET_PASSWORD,
      timeoutMs: 2_000,
      ...options,
      refresh: { retryBaseDelayMs: 10, retryMaxDelayMs: 50, ...options.refresh },
    },
    {
      tokenLifetimeSeconds: 30,
      ...standInOptions,
      accounts: [{ username, password: SECRET_PASSWORD }],
    },
    { logger: witness.logger },
  );
  const { app, auth, http, standIn } = t;
  witness.inspect(app.get(SENDFACT_AUTH_OPTIONS));
  witness.inspect(auth);
  witness.inspect(http);
  const events: Subscription = auth.events$.subscribe((event) => {
    witness.inspect(event);
    if (event.type === 'refresh-failed') witness.error(event.error);
  });
  // Record every token the module hands out (the interceptor asks the service for them), so the scan
  // knows them all; tokens issued but never handed out are caught by the JWT-shaped pattern.
  const peek = auth.peekAccessToken.bind(auth);
  const get = auth.getAccessToken.bind(auth);
  const refresh = auth.refreshAccessToken.bind(auth);
  auth.peekAccessToken = (accountId) => {
    const token = peek(accountId);
    witness.token(token);
    return token;
  };
  auth.getAccessToken = (accountId, callOptions) =>
    get(accountId, callOptions).then((token) => (witness.token(token), token));
  auth.refreshAccessToken = (accountId, callOptions) =>
    refresh(accountId, callOptions).then((token) => (witness.token(token), token));
  let closed = false;
  return {
    app,
    auth,
    http,
    standIn,
    tokenRequests: () => standIn.stats.tokenRequests,
    async close() {
      if (closed) return;
      closed = true;
      witness.token(auth.peekAccessToken());
      await t.close();
      events.unsubscribe();
    },
  };
}

/** Settles `promise` into a value or the error it failed with (recorded by `witness`). */
export async function outcome<T>(
  witness: SecretsWitness,
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    witness.error(error);
    return { ok: false, error };
  }
}

/** Polls `condition` every 5 ms until it holds; fails after `timeoutMs` (generous: this is no timing test). */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A request body the stand-in's `POST /api/cpe/sign` accepts. */
export const INVOICE = Object.freeze({
  file_name: '20515809822-01-F001-1',
  file_content: Buffer.from('<?xml version="1.0"?><Invoice/>').toString('base64'),
});

/**
 * The hooks of a fault file: collect unhandled rejections, run `cleanup` after each test, then fail that
 * test if it left a rejection unhandled (a hook throws rather than calling expect outside a test).
 */
export function useWitness(witness: SecretsWitness, cleanup: () => Promise<void>): void {
  beforeAll(() => witness.install());
  afterEach(async () => {
    await cleanup();
    if (witness.unhandled.length > 0) {
      throw new Error(`unhandled rejections: ${witness.unhandled.join('; ')}`);
    }
  });
  afterAll(() => witness.uninstall());
}
