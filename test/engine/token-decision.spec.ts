import { DEFAULT_REFRESH_POLICY, SendfactTokenRejectedError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { OPEN_GATES, decide } from '../../lib/engine/token-decision.js';

// Sendfact's token with the default policy: refresh from 90 s, never handed out from 108 s.
const TOKEN = { obtainedAt: 1_000, lifetimeMs: 120_000 };
const at = (seconds: number) => TOKEN.obtainedAt + seconds * 1_000;
const policy = DEFAULT_REFRESH_POLICY;

describe('decide() for a 120 s token under the default policy', () => {
  it('serves it for its first 90 s without a refresh', () => {
    expect(decide(at(0), TOKEN, OPEN_GATES, policy)).toEqual({ action: 'serve' });
    expect(decide(at(89.999), TOKEN, OPEN_GATES, policy)).toEqual({ action: 'serve' });
  });

  it('serves it and asks for one refresh from 90 s to 108 s', () => {
    expect(decide(at(90), TOKEN, OPEN_GATES, policy)).toEqual({ action: 'serve-and-refresh' });
    expect(decide(at(107.999), TOKEN, OPEN_GATES, policy)).toEqual({
      action: 'serve-and-refresh',
    });
  });

  it('serves it without asking for a second refresh while one is under way', () => {
    const gates = { ...OPEN_GATES, refreshing: true };
    expect(decide(at(100), TOKEN, gates, policy)).toEqual({ action: 'serve' });
  });

  it('keeps serving it, without a refresh, while a back-off or a Retry-After holds refreshes back', () => {
    expect(decide(at(100), TOKEN, { ...OPEN_GATES, backgroundNotBefore: at(101) }, policy)).toEqual(
      {
        action: 'serve',
      },
    );
    expect(decide(at(100), TOKEN, { ...OPEN_GATES, notBefore: at(101) }, policy)).toEqual({
      action: 'serve',
    });
    expect(decide(at(101), TOKEN, { ...OPEN_GATES, notBefore: at(101) }, policy)).toEqual({
      action: 'serve-and-refresh',
    });
  });

  it('makes callers wait from 108 s, for a token request sent once the Retry-After has run out', () => {
    expect(decide(at(108), TOKEN, OPEN_GATES, policy)).toEqual({ action: 'wait', delayMs: 0 });
    expect(decide(at(108), TOKEN, { ...OPEN_GATES, notBefore: at(110) }, policy)).toEqual({
      action: 'wait',
      delayMs: 2_000,
    });
    expect(decide(at(0), undefined, OPEN_GATES, policy)).toEqual({ action: 'wait', delayMs: 0 });
  });

  it('fails callers fast with the cooldown error while it runs, and only when no token serves', () => {
    const error = new SendfactTokenRejectedError(5_000, { accountId: 'acme' });
    const gates = { ...OPEN_GATES, cooldown: { until: at(115), error } };
    expect(decide(at(110), TOKEN, gates, policy)).toEqual({ action: 'fail-fast', error });
    expect(decide(at(110), undefined, gates, policy)).toEqual({ action: 'fail-fast', error });
    expect(decide(at(115), TOKEN, gates, policy)).toEqual({ action: 'wait', delayMs: 0 });
    expect(decide(at(50), TOKEN, gates, policy)).toEqual({ action: 'serve' });
  });
});
