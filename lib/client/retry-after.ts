/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). `undefined` when absent
 * or unreadable; never negative, always finite. This is what the server asked; the engine waits and holds
 * token requests back at most `maxRetryAfterMs` whatever it says.
 */
export function parseRetryAfter(header: unknown, wallNow: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim();
  // A 400-digit delay is Infinity once a number: clamp so that every sum and date built on it stays finite.
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, Number.MAX_SAFE_INTEGER);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - wallNow), Number.MAX_SAFE_INTEGER);
}
