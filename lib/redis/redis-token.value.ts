import type { StoredToken } from '../interfaces/sendfact-token-store.interface.js';

/** `<lifetimeMs> <mac> <token>` as this store writes it (`<lifetimeMs> <token>` when given no MAC). */
const VALUE = /^([1-9]\d{0,15}) (?:([0-9a-f]{64}) )?([^]+)$/;

/** The value kept under a token's key. */
export function encodeTokenValue(token: {
  accessToken: string;
  lifetimeMs: number;
  mac?: string;
}): string {
  // The MAC is hex made by the module; anything else would break the value's format, so it is not kept.
  const mac = token.mac !== undefined && /^[0-9a-f]{64}$/.test(token.mac) ? `${token.mac} ` : '';
  return `${Math.round(token.lifetimeMs)} ${mac}${token.accessToken}`;
}

/** The token in a stored value, `remainingMs` being its key's TTL; undefined if this store did not write it. */
export function decodeTokenValue(value: string, remainingMs: number): StoredToken | undefined {
  const match = VALUE.exec(value);
  if (match === null) return undefined;
  return {
    lifetimeMs: Number(match[1]),
    accessToken: match[3]!,
    remainingMs,
    ...(match[2] === undefined ? {} : { mac: match[2] }),
  };
}
