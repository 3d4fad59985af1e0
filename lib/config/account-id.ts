import { DEFAULT_ACCOUNT_ID } from '../sendfact-auth.constants.js';

/**
 * What an account id may be: 1 to 64 letters, digits, `_`, `.`, `:` or `-`. The ids in
 * {@link RESERVED_ACCOUNT_IDS} are refused as well.
 */
export const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Ids that name members of every JavaScript object. An account map keyed by them could reach
 * `Object.prototype` in code that indexes a plain object, ours or a user's, so they are refused outright
 * (in any letter case) rather than trusted to null-prototype maps alone.
 */
export const RESERVED_ACCOUNT_IDS: readonly string[] = Object.freeze([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * `SENDFACT_ACCOUNT_<ID>_USERNAME` / `_PASSWORD`. The id part is matched loosely here so that a malformed
 * one fails the boot by name instead of being skipped in silence.
 */
export const ACCOUNT_VARIABLE = /^SENDFACT_ACCOUNT_(.+)_(USERNAME|PASSWORD)$/;

/** The id part of a variable name: upper-case letters, digits and `_` (read lower-cased). */
const VARIABLE_ID = /^[A-Z0-9_]{1,64}$/;

/** Why `id` cannot be an account id, or `undefined` when it can. */
export function accountIdProblem(id: string): string | undefined {
  if (RESERVED_ACCOUNT_IDS.includes(id.toLowerCase()))
    return `uses the reserved account id "${id}" (${RESERVED_ACCOUNT_IDS.join(', ')} are refused)`;
  if (!ACCOUNT_ID.test(id)) return `has an account id that is not 1 to 64 letters, digits, _ . : -`;
  if (id === DEFAULT_ACCOUNT_ID)
    return 'uses the account id "default", which is reserved for SENDFACT_USERNAME / SENDFACT_PASSWORD';
  return undefined;
}

/** Why the id part of an account variable's name is refused, or `undefined`. */
export function accountVariableIdProblem(idPart: string): string | undefined {
  if (!VARIABLE_ID.test(idPart))
    return 'has an account id that is not 1 to 64 upper-case letters, digits or _';
  return accountIdProblem(idPart.toLowerCase());
}

/**
 * What an account id named at run time may be when a `credentialsResolver` answers for it (a tenant's key in
 * your database, an e-mail): 1 to 128 characters, no control character (C0, DEL, C1) or line separator, no
 * space at either end, and none of {@link RESERVED_ACCOUNT_IDS}. Characters a configured id may not hold, such
 * as `@`, are fine.
 */
export const RESOLVED_ACCOUNT_ID_MAX_LENGTH = 128;

/** Why an id named at run time is refused at the door, or `undefined` when it may be looked up. */
export function runtimeAccountIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'is not a string';
  if (id.length === 0 || id.length > RESOLVED_ACCOUNT_ID_MAX_LENGTH)
    return `is not 1 to ${RESOLVED_ACCOUNT_ID_MAX_LENGTH} characters long`;
  for (let i = 0; i < id.length; i++)
    if (isControl(id.charCodeAt(i))) return 'holds a control character';
  if (id.trim() !== id) return 'starts or ends with a space';
  if (RESERVED_ACCOUNT_IDS.includes(id.toLowerCase())) return 'is reserved';
  return undefined;
}

/** C0 controls, DEL, C1 controls, and the line and paragraph separators. */
function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}
