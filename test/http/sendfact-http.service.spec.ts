import axios, { type CancelTokenSource } from 'axios';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';

/** Records the cancel sources SendfactHttpService creates, one per call. */
function recordCancelSources(): CancelTokenSource[] {
  const sources: CancelTokenSource[] = [];
  const original = axios.CancelToken.source.bind(axios.CancelToken);
  vi.spyOn(axios.CancelToken, 'source').mockImplementation(() => {
    const source = original();
    sources.push(source);
    return source;
  });
  return sources;
}

describe('SendfactHttpService', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await t?.close();
    t = undefined;
  });

  it('does not cancel a request that has already answered', async () => {
    t = await startTestApp();
    const sources = recordCancelSources();
    const res = await firstValueFrom(
      t.http.get('/api/cpe/20515809822-01-F001-1/status', { validateStatus: () => true }),
    );
    expect(res.status).toBe(404);
    expect(sources).toHaveLength(1);
    expect(sources[0]!.token.reason).toBeUndefined();
  });

  it('cancels the request when the caller unsubscribes before the answer', async () => {
    t = await startTestApp();
    await t.auth.getAccessToken();
    t.standIn.failNextApiRequests(1, { type: 'hang' });
    const sources = recordCancelSources();
    const error = vi.fn<(error: unknown) => void>();
    const subscription = t.http.get('/api/cpe/20515809822-01-F001-1/status').subscribe({ error });
    await vi.waitFor(() => expect(t!.standIn.stats.apiRequests).toBe(1));
    subscription.unsubscribe();
    expect(sources[0]!.token.reason).toBeInstanceOf(axios.CanceledError);
    expect(error).not.toHaveBeenCalled();
  });
});
