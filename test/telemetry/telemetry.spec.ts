import axios from 'axios';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemoryTokenStore, SendfactCredentialsError } from 'nestjs-sendfact-auth';
import { readSendfactEnvironment } from '../../lib/sendfact.config.js';
import { resolveSendfactAuthOptions } from '../../lib/sendfact-auth.options.js';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  METRICS,
  RETRY_EVENT,
  SPANS,
} from '../../lib/telemetry/telemetry.constants.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { everyRecordedString, gauge, registerOpenTelemetry, total } from './otel-harness.js';

// Registered before any app is built, as an app starts its SDK first.
const otel = registerOpenTelemetry();
const STATUS_PATH = '/api/cpe/20515809822-01-F001-1/status';
const OUTCOME = ATTRIBUTES.outcome;
const FAST_RETRY = { retryBaseDelayMs: 5, retryMaxDelayMs: 10 };

const apps: TestApp[] = [];
async function start(...args: Parameters<typeof startTestApp>): Promise<TestApp> {
  const app = await startTestApp(...args);
  apps.push(app);
  return app;
}
const get = (app: TestApp, config: { sendfactAccount?: string } = {}) =>
  app.http.axiosRef.get(STATUS_PATH, { validateStatus: () => true, ...config });

beforeEach(async () => {
  await otel.collect();
  otel.spans();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('telemetry metrics', () => {
  it('counts a cold start, a refresh, a 401 replay and a credentials failure', async () => {
    const app = await start();

    // Cold start: five requests, one token request, five callers waiting on it.
    await Promise.all([get(app), get(app), get(app), get(app), get(app)]);
    let points = await otel.collect();
    expect(total(points, METRICS.tokenRequests)).toBe(1);
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'ok' })).toBe(1);
    expect(total(points, METRICS.tokenRequestDuration, { [OUTCOME]: 'ok' })).toBe(1);
    expect(total(points, METRICS.waits)).toBe(5);
    expect(total(points, METRICS.tokenAge)).toBe(5);
    expect(total(points, METRICS.replays)).toBe(0);
    expect(gauge(points, METRICS.accounts)).toBe(1);
    expect(gauge(points, METRICS.storeFallback)).toBe(0);

    // A refresh, then a call on the new token.
    await app.auth.refreshAccessToken();
    await get(app);
    points = await otel.collect();
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'ok' })).toBe(1);
    expect(total(points, METRICS.waits)).toBe(1);
    expect(total(points, METRICS.tokenAge)).toBe(1);

    // A 401: the token is dropped, a new one fetched, the request replayed once.
    app.standIn.revokeTokens();
    const replayed = await get(app);
    expect(replayed.status).not.toBe(401);
    points = await otel.collect();
    expect(total(points, METRICS.replays)).toBe(1);
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'ok' })).toBe(1);
    expect(total(points, METRICS.waits)).toBe(1);
    // Sent twice: with the revoked token, then with the new one.
    expect(total(points, METRICS.tokenAge)).toBe(2);
    expect(otel.spans().filter((s) => s.name === SPANS.replay)).toHaveLength(1);

    // Credentials refused.
    const refused = await start({ password: 'not-the-password' });
    await expect(refused.auth.getAccessToken()).rejects.toBeInstanceOf(SendfactCredentialsError);
    points = await otel.collect();
    expect(total(points, METRICS.tokenRequests)).toBe(1);
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'credentials' })).toBe(1);
    expect(total(points, METRICS.tokenRequestDuration, { [OUTCOME]: 'credentials' })).toBe(1);
    const [span] = otel.spans().filter((s) => s.name === SPANS.tokenRequest);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes[ATTRIBUTES.errorType]).toBe('CREDENTIALS');
    expect(span?.attributes[OUTCOME]).toBe('credentials');
  });

  it('counts a token taken from a shared store as no token request, and marks its span shared', async () => {
    const tokenStore = new InMemoryTokenStore();
    const first = await start({ tokenStore });
    const second = await start({ tokenStore, baseUrl: first.standIn.url });
    await get(first);
    await get(second);
    expect(first.standIn.stats.tokenRequests).toBe(1);
    const points = await otel.collect();
    expect(total(points, METRICS.tokenRequests)).toBe(1);
    expect(total(points, METRICS.tokenRequestDuration)).toBe(1);
    const spans = otel.spans().filter((s) => s.name === SPANS.tokenRequest);
    expect(spans.map((s) => s.attributes[ATTRIBUTES.shared] ?? false)).toEqual([false, true]);
  });

  it('counts transient failures per attempt and the token request once, retries included', async () => {
    const app = await start({ refresh: FAST_RETRY });
    app.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    await get(app);
    const points = await otel.collect();
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'transient' })).toBe(1);
    expect(total(points, METRICS.tokenRequests, { [OUTCOME]: 'ok' })).toBe(1);
    expect(total(points, METRICS.tokenRequestDuration)).toBe(1);
  });
});

describe('telemetry spans', () => {
  it("nests the token request span in the caller's span, with the retries as events", async () => {
    const app = await start({ refresh: FAST_RETRY });
    app.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('send invoice', async (parent) => {
      await get(app);
      parent.end();
    });
    const spans = otel.spans();
    const parent = spans.find((s) => s.name === 'send invoice')!;
    const request = spans.find((s) => s.name === SPANS.tokenRequest)!;
    expect(request.kind).toBe(SpanKind.INTERNAL);
    expect(request.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(request.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(request.attributes[ATTRIBUTES.attempts]).toBe(2);
    expect(request.attributes[OUTCOME]).toBe('ok');
    expect(request.attributes[ATTRIBUTES.background]).toBe(false);
    expect(request.status.code).toBe(SpanStatusCode.OK);
    expect(request.events.map((e) => e.name)).toEqual([RETRY_EVENT]);
    expect(request.events[0]?.attributes).toMatchObject({
      [ATTRIBUTES.attempt]: 1,
      [ATTRIBUTES.errorType]: 'TOKEN_REQUEST',
    });
  });

  it("records each sent token's age on the module's clock: 0 s at first, 30 s later 30 s", async () => {
    const clock = new FakeClock();
    const app = await start({ clock });
    await get(app);
    await clock.advance(30_000);
    await get(app);
    const ages = (await otel.collect()).filter((p) => p.name === METRICS.tokenAge);
    const sum = ages.reduce(
      (all, p) => all + (typeof p.value === 'number' ? 0 : (p.value.sum ?? 0)),
      0,
    );
    expect(total(ages, METRICS.tokenAge)).toBe(2);
    expect(sum).toBe(30);
  });

  it('starts a background refresh in a trace of its own, linked to the request that set it off', async () => {
    const clock = new FakeClock();
    const app = await start({ clock });
    await get(app);
    const lifetimeMs = app.auth.getTokenState().lifetimeMs!;
    otel.spans();
    // Past the refresh-ahead point, before the safety margin: the call goes out on the held token.
    await clock.advance(lifetimeMs * 0.8);
    const refreshed = new Promise<void>((resolve) => {
      const subscription = app.auth.events$.subscribe((event) => {
        if (event.type === 'token-refreshed') {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    await trace.getTracer('test').startActiveSpan('poll status', async (parent) => {
      await get(app);
      parent.end();
    });
    await refreshed;
    const spans = otel.spans();
    const parent = spans.find((s) => s.name === 'poll status')!;
    const request = spans.find((s) => s.name === SPANS.tokenRequest)!;
    expect(request.attributes[ATTRIBUTES.background]).toBe(true);
    expect(request.parentSpanContext).toBeUndefined();
    expect(request.spanContext().traceId).not.toBe(parent.spanContext().traceId);
    expect(request.links.map((l) => l.context.spanId)).toEqual([parent.spanContext().spanId]);
  });

  it('runs the token request with its span active, so the HTTP client span nests under it', async () => {
    // Where the HTTP instrumentation would start its client span: the transport of the token request itself.
    let activeInFetch: string | undefined;
    const http = axios.getAdapter('http');
    const app = await start({
      http: {
        adapter: (config) => {
          if (String(config.url).endsWith('/api/auth/token'))
            activeInFetch = trace.getActiveSpan()?.spanContext().spanId;
          return http(config);
        },
      },
    });
    await get(app);
    const request = otel.spans().find((s) => s.name === SPANS.tokenRequest)!;
    expect(activeInFetch).toBe(request.spanContext().spanId);
  });

  it("puts a 401 replay in a span of its own, the caller's child and the new token request's parent", async () => {
    const app = await start();
    await get(app);
    app.standIn.revokeTokens();
    otel.spans();
    await trace.getTracer('test').startActiveSpan('poll status', async (parent) => {
      await get(app);
      parent.end();
    });
    const spans = otel.spans();
    const parent = spans.find((s) => s.name === 'poll status')!;
    const replay = spans.find((s) => s.name === SPANS.replay)!;
    const request = spans.find((s) => s.name === SPANS.tokenRequest)!;
    expect(replay.kind).toBe(SpanKind.INTERNAL);
    expect(replay.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(request.parentSpanContext?.spanId).toBe(replay.spanContext().spanId);
    expect(replay.status.code).toBe(SpanStatusCode.OK);
  });
});

describe('telemetry and secrets', () => {
  it('records no password, username, token or account id anywhere by default', async () => {
    const tenant = 'tenant-20601234567';
    const app = await start({
      accounts: { [tenant]: { ...STAND_IN_DEFAULT_ACCOUNT } },
      refresh: FAST_RETRY,
    });
    const tokens = new Set<string>();
    const keep = () => {
      for (const id of [undefined, tenant]) {
        const token = app.auth.peekAccessToken(id);
        if (token !== undefined) tokens.add(token);
      }
    };
    await Promise.all([get(app), get(app, { sendfactAccount: tenant })]);
    keep();
    app.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    await app.auth.refreshAccessToken();
    keep();
    app.standIn.revokeTokens();
    await get(app, { sendfactAccount: tenant });
    keep();
    const refused = await start({ password: 'wrong-password-7f3a' });
    await expect(refused.auth.getAccessToken()).rejects.toBeInstanceOf(SendfactCredentialsError);

    const spans = otel.spans();
    const points = await otel.collect();
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    expect(spans.length).toBeGreaterThanOrEqual(5);
    const recorded = everyRecordedString(spans, points);
    const secrets = [
      STAND_IN_DEFAULT_ACCOUNT.password,
      'wrong-password-7f3a',
      STAND_IN_DEFAULT_ACCOUNT.username,
      tenant,
      ...tokens,
      // A token's signature alone is as good as the token.
      ...[...tokens].map((t) => t.split('.')[2]!),
    ];
    for (const secret of secrets) {
      expect(recorded.filter((value) => value.includes(secret))).toEqual([]);
    }
  });

  it('puts the account id on metric points and spans only with recordAccountId', async () => {
    const tenant = 'tenant-20601234567';
    const app = await start({
      accounts: { [tenant]: { ...STAND_IN_DEFAULT_ACCOUNT } },
      telemetry: { recordAccountId: true },
    });
    await get(app, { sendfactAccount: tenant });
    const points = await otel.collect();
    const [request] = otel.spans().filter((s) => s.name === SPANS.tokenRequest);
    expect(request?.attributes[ATTRIBUTES.accountId]).toBe(tenant);
    expect(total(points, METRICS.tokenRequests, { [ATTRIBUTES.accountId]: tenant })).toBe(1);
    expect(total(points, METRICS.tokenAge, { [ATTRIBUTES.accountId]: tenant })).toBe(1);
  });
});

describe('telemetry option', () => {
  it('records nothing with telemetry.enabled false', async () => {
    const app = await start({ telemetry: { enabled: false } });
    await get(app);
    expect(app.auth.telemetry).toBeUndefined();
    expect(otel.spans()).toEqual([]);
    const points = await otel.collect();
    expect(points.filter((p) => p.name.startsWith('sendfact.'))).toEqual([]);
  });

  it('refuses a telemetry option of the wrong type with a config error', () => {
    expect(() =>
      resolveSendfactAuthOptions(
        {
          ...STAND_IN_DEFAULT_ACCOUNT,
          baseUrl: 'http://127.0.0.1:1',
          telemetry: { enabled: 'yes' as unknown as boolean },
        },
        readSendfactEnvironment({}),
      ),
    ).toThrow(/the telemetry\.enabled option must be true or false/);
  });
});
