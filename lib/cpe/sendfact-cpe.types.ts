/**
 * The request and answer shapes of Sendfact's document calls (`/api/cpe/*`).
 *
 * Sendfact publishes no document for these calls: the shapes come from what public integrations send and
 * read, not from an official Sendfact document. So the fields below are the ones seen; answers may carry
 * more, and those are kept as they came (`[field: string]: unknown`).
 */

/**
 * A document to sign or send: `POST /api/cpe/sign` and `POST /api/cpe/send` take this body.
 */
export interface SendfactDocumentRequest {
  /** `<RUC>-<type>-<series>-<number>`, e.g. `20515809822-01-F001-1` (or `<RUC>-RC-<yyyymmdd>-<n>` for summaries). */
  file_name: string;
  /** The UBL XML, base64-encoded (for `send`, the signed XML that `sign` returned in `xml`). */
  file_content: string;
}

/** Sendfact's answer to `POST /api/cpe/sign`. */
export interface SendfactSignResponse {
  /** A sentence for people, e.g. `El comprobante … ha sido firmado`. */
  message: string;
  /** The signed XML, base64-encoded: what `send` takes as `file_content`. */
  xml: string;
  /** The digest of the signed XML (base64), printed on the document's representation. */
  hash_code: string;
  /** Fields not listed here, kept as Sendfact sent them. */
  [field: string]: unknown;
}

/** Sendfact's answer to `POST /api/cpe/send` (HTTP 200, or 202 for summaries answered with a ticket). */
export interface SendfactSendResponse {
  /** A sentence for people, e.g. `La Factura numero F001-1, ha sido aceptada`. */
  message: string;
  /** SUNAT's observations on an accepted document (`<code> - <text>`). */
  observations?: string[];
  /** The XML as sent, base64-encoded. */
  xml?: string | null;
  /** SUNAT's receipt (CDR), base64-encoded. */
  cdr?: string | null;
  /** The digest of the signed XML. */
  hash_code?: string | null;
  /** Problems reported with a 2xx answer (`<code> - <text>`). */
  errors?: string[];
  /** Detail of a problem, as Sendfact words it. */
  error_detail?: unknown;
  /** SUNAT's state, when Sendfact adds it. */
  estado?: unknown;
  /** For daily summaries and voidings: the ticket SUNAT gave, to ask for the outcome later. */
  ticket?: string | null;
  /** Fields not listed here, kept as Sendfact sent them. */
  [field: string]: unknown;
}

/**
 * `document_status` of `GET /api/cpe/{file_name}/status`, with the meanings seen in public integrations.
 * A code not listed here is passed through as its number.
 */
export enum SendfactDocumentStatus {
  /** SUNAT rejected the document. */
  Rejected = 0,
  /** SUNAT accepted the document (it may carry observations). */
  Accepted = 1,
  /** Rejected, and registered as such by SUNAT: the number cannot be used again. */
  RejectedRegistered = 2,
  /** To be sent again (SUNAT could not be reached or asked for it). */
  Resend = 3,
  /** Sent, waiting for SUNAT's answer. */
  Sent = 4,
  /** An error on the way, at Sendfact or SUNAT. */
  Error = 5,
}

/** Sendfact's answer to `GET /api/cpe/{file_name}/status`. */
export interface SendfactStatusResponse {
  /** Where the document stands; see {@link SendfactDocumentStatus}. */
  document_status: SendfactDocumentStatus;
  /** A sentence for people, e.g. `Aceptado`. */
  message: string;
  /**
   * Whether SUNAT rejected the document. When Sendfact leaves it out, it is read from `document_status`
   * (`Rejected` or `RejectedRegistered`).
   */
  is_rejected: boolean;
  /** Detail of a rejection or an error, as Sendfact words it. */
  error_detail?: unknown;
  /** SUNAT's observations (`<code> - <text>`). */
  observations?: string[];
  /** SUNAT's receipt (CDR), base64-encoded, once there is one. */
  cdr?: string | null;
  /** The XML as sent, base64-encoded. */
  xml?: string | null;
  /** Fields not listed here, kept as Sendfact sent them. */
  [field: string]: unknown;
}

/**
 * The body of a non-2xx answer from a document call: `{ errors: ["<code> - <text>"], is_rejected, status }`.
 * What {@link SendfactApiError} carries, read leniently (a missing list is empty).
 */
export interface SendfactErrorBody {
  /** Sendfact's and SUNAT's problems, each `<code> - <text>`. */
  errors: string[];
  /** Whether SUNAT rejected the document (as opposed to a request Sendfact could not take). */
  is_rejected: boolean;
  /** The HTTP status, repeated in the body. */
  status?: number;
  /** A sentence for people, when there is one. */
  message?: string;
  /** Fields not listed here, kept as Sendfact sent them. */
  [field: string]: unknown;
}
