import type { InternalAxiosRequestConfig } from 'axios';
import { redactRequests, streamRequests } from './axios-internals.js';

/** What callers see in place of the token once the request is done. */
const REDACTED_AUTHORIZATION = 'Bearer [redacted]';

/**
 * Takes `token` out of an axios response or error before it goes back to the caller (and so into their
 * logs and `util.inspect`): the config's `Authorization` header, the raw header copies of the sent request
 * (streams included), and hides `request` (a large object graph) and a spent stream body.
 */
export function scrubToken<T>(holder: T, token: string): T {
  const target = holder as {
    config?: InternalAxiosRequestConfig;
    request?: unknown;
    data?: unknown;
    response?: { request?: unknown; data?: unknown } | null;
  };
  const config = target.config;
  config?.headers?.set?.('Authorization', REDACTED_AUTHORIZATION);
  const response = target.response ?? undefined;
  // A stream body is enumerable and holds the request it answers: its header copies go at once.
  const streamed = [...streamRequests(target.data), ...streamRequests(response?.data)];
  if (streamed.length > 0) redactRequests(streamed, token);
  // `request` is hidden behind a getter that redacts the header copies it holds on first read: most
  // callers never read it, and walking Node's request objects on every answer was the main cost of a call.
  const requests = [target.request, response?.request];
  let pending = true;
  const redact = (): void => {
    if (pending) {
      pending = false;
      redactRequests(requests, token);
    }
  };
  hideRequest(target, redact);
  if (response !== undefined) hideRequest(response, redact);
  // A spent stream body holds the request it was piped into, raw headers included.
  if (config !== undefined && !isReplayable(config.data)) hide(config, 'data');
  return holder;
}

/**
 * Makes `request` non-enumerable (out of `util.inspect`, `JSON.stringify` and loggers that walk own keys)
 * and redacted before anyone can read it: every way to it goes through the getter. A `request` that is not
 * an enumerable own property (already hidden by an earlier scrub, or by axios itself) is redacted at once.
 */
function hideRequest(object: { request?: unknown }, redact: () => void): void {
  if (!Object.prototype.propertyIsEnumerable.call(object, 'request')) {
    redact();
    return;
  }
  let request = object.request;
  Object.defineProperty(object, 'request', {
    configurable: true,
    enumerable: false,
    get: () => {
      redact();
      return request;
    },
    set: (value: unknown) => {
      request = value;
    },
  });
}

/** Keeps `key` readable but out of `util.inspect`, `JSON.stringify` and loggers that walk own keys. */
function hide(object: object, key: string): void {
  if (Object.prototype.propertyIsEnumerable.call(object, key))
    Object.defineProperty(object, key, { enumerable: false });
}

/** A body that was a stream has been consumed by the first attempt and cannot be sent again. */
export function isReplayable(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  const candidate = data as {
    pipe?: unknown;
    getReader?: unknown;
    [Symbol.asyncIterator]?: unknown;
  };
  return (
    typeof candidate.pipe !== 'function' &&
    typeof candidate.getReader !== 'function' &&
    typeof candidate[Symbol.asyncIterator] !== 'function'
  );
}
