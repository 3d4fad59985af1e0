import type { InternalAxiosRequestConfig } from 'axios';
import { redactSentRequest } from './axios-internals.js';

/** What callers see in place of the token once the request is done. */
export const REDACTED_AUTHORIZATION = 'Bearer [redacted]';

/**
 * Takes `token` out of an axios response or error before it goes back to the caller (and so into their
 * logs and `util.inspect`): the config's `Authorization` header, the raw header copies of the sent request
 * (streams included), and hides `request` (a large object graph) and a spent stream body.
 */
export function scrubToken<T>(holder: T, token: string): T {
  const target = holder as {
    config?: InternalAxiosRequestConfig;
    request?: unknown;
    response?: { request?: unknown };
  };
  const config = target.config;
  config?.headers?.set?.('Authorization', REDACTED_AUTHORIZATION);
  redactSentRequest(holder, token);
  hide(target, 'request');
  if (target.response !== undefined && target.response !== null) hide(target.response, 'request');
  // A spent stream body holds the request it was piped into, raw headers included.
  if (config !== undefined && !isReplayable(config.data)) hide(config, 'data');
  return holder;
}

/** Keeps `key` readable but out of `util.inspect`, `JSON.stringify` and loggers that walk own keys. */
function hide(object: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (descriptor?.enumerable === true)
    Object.defineProperty(object, key, { ...descriptor, enumerable: false });
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
