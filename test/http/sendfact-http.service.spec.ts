import axios, { type InternalAxiosRequestConfig } from 'axios';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';

/** Records the configs the service's axios instance sends and the errors it gets back. */
function watch(t: TestApp) {
  const configs: InternalAxiosRequestConfig[] = [];
  const errors: unknown[] = [];
  t.http.axiosRef.interceptors.request.use((config) => {
    configs.push(config);
    return config;
  });
  t.http.axiosRef.interceptors.response.use(undefined, (error: unknown) => {
    errors.push(error);
    throw error;
  });
  return { configs, errors };
}

describe('SendfactHttpService', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('does not cancel a request that has already answered', async () => {
    t = await startTestApp();
    const seen = watch(t);
    const res = await firstValueFrom(
      t.http.get('/api/cpe/20515809822-01-F001-1/status', { validateStatus: () => true }),
    );
    expect(res.status).toBe(404);
    expect(seen.configs).toHaveLength(1);
    expect(seen.configs[0]!.signal?.aborted).toBe(false); // firstValueFrom's teardown cancelled nothing
    expect(seen.errors).toEqual([]);
  });

  it('cancels the request when the caller unsubscribes before the answer', async () => {
    t = await startTestApp();
    await t.auth.getAccessToken();
    t.standIn.failNextApiRequests(1, { type: 'hang' });
    const seen = watch(t);
    const error = vi.fn<(error: unknown) => void>();
    const subscription = t.http.get('/api/cpe/20515809822-01-F001-1/status').subscribe({ error });
    await vi.waitFor(() => expect(t!.standIn.stats.apiRequests).toBe(1));
    subscription.unsubscribe();
    expect(seen.configs[0]!.signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(seen.errors[0]).toBeInstanceOf(axios.CanceledError));
    expect(error).not.toHaveBeenCalled();
  });

  it('leaves a signal of the caller alone', async () => {
    t = await startTestApp();
    const seen = watch(t);
    const controller = new AbortController();
    await firstValueFrom(
      t.http.get('/api/cpe/x/status', { signal: controller.signal, validateStatus: () => true }),
    );
    expect(seen.configs[0]!.signal).toBe(controller.signal);
  });
});
