import type {
  SendfactErrorBody,
  SendfactSendResponse,
  SendfactSignResponse,
  SendfactStatusResponse,
} from './sendfact-cpe.types.js';

/** A body read into its type, or what made it unusable (a field name, never a value). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

type Body = Record<string, unknown>;

// Lenient by design: the shapes are observed, not documented. A call fails only when a field it needs is
// missing or of the wrong kind; lists are normalised, a missing message is empty, and every other field is
// handed over as it came.

/** Reads a 2xx answer of `POST /api/cpe/sign`: `xml` and `hash_code` are needed. */
export function parseSignResponse(body: unknown): Parsed<SendfactSignResponse> {
  const object = asObject(body);
  if (object === undefined) return notAnObject();
  for (const field of ['xml', 'hash_code'] as const) {
    if (typeof object[field] !== 'string' || object[field] === '')
      return { ok: false, problem: `${field} is missing or not a string` };
  }
  return {
    ok: true,
    value: { ...object, message: text(object['message']) } as SendfactSignResponse,
  };
}

/** Reads a 2xx answer of `POST /api/cpe/send`: nothing is needed, but the fields seen must be of their kind. */
export function parseSendResponse(body: unknown): Parsed<SendfactSendResponse> {
  const object = asObject(body);
  if (object === undefined) return notAnObject();
  const problem = wrongStrings(object, ['xml', 'cdr', 'hash_code', 'ticket']);
  if (problem !== undefined) return { ok: false, problem };
  const value: Body = { ...object, message: text(object['message']) };
  for (const list of ['observations', 'errors'] as const)
    if (list in object) value[list] = toStringList(object[list]);
  return { ok: true, value: value as SendfactSendResponse };
}

/** Reads a 2xx answer of `GET /api/cpe/{file_name}/status`: `document_status` is needed. */
export function parseStatusResponse(body: unknown): Parsed<SendfactStatusResponse> {
  const object = asObject(body);
  if (object === undefined) return notAnObject();
  const raw = object['document_status'];
  // PHP integrations sometimes send numbers as strings.
  const status =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d+$/.test(raw)
        ? Number(raw)
        : NaN;
  if (!Number.isSafeInteger(status) || status < 0)
    return { ok: false, problem: 'document_status is missing or not a whole number' };
  const problem = wrongStrings(object, ['xml', 'cdr']);
  if (problem !== undefined) return { ok: false, problem };
  const rejected = object['is_rejected'];
  const value: Body = {
    ...object,
    document_status: status,
    message: text(object['message']),
    is_rejected: typeof rejected === 'boolean' ? rejected : status === 0 || status === 2,
  };
  if ('observations' in object) value['observations'] = toStringList(object['observations']);
  return { ok: true, value: value as SendfactStatusResponse };
}

/** Reads a non-2xx answer of any call. Never fails: an unreadable body gives no errors. */
export function parseErrorBody(body: unknown): SendfactErrorBody {
  const object = asObject(body) ?? {};
  const value: Body = {
    ...object,
    errors: toStringList(object['errors']),
    is_rejected: object['is_rejected'] === true,
  };
  if (typeof object['status'] !== 'number') delete value['status'];
  if (typeof object['message'] !== 'string') delete value['message'];
  return value as SendfactErrorBody;
}

function asObject(body: unknown): Body | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Body)
    : undefined;
}

function notAnObject(): { ok: false; problem: string } {
  return { ok: false, problem: 'the body is not a JSON object' };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The first of `fields` that is present with neither a string nor null. */
function wrongStrings(object: Body, fields: readonly string[]): string | undefined {
  const wrong = fields.find(
    (f) => object[f] !== undefined && object[f] !== null && typeof object[f] !== 'string',
  );
  return wrong === undefined ? undefined : `${wrong} is not a string`;
}

/** `["a", "b"]`, `"a"`, or Laravel's `{ field: ["a"] }`, as a list of strings. */
function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value))
    return value.flatMap((item) =>
      typeof item === 'string'
        ? [item]
        : item === null || item === undefined
          ? []
          : [JSON.stringify(item)],
    );
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(toStringList);
  return [];
}
