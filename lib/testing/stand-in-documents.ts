import { createHash } from 'node:crypto';
import {
  type SendfactErrorBody,
  type SendfactSendResponse,
  type SendfactSignResponse,
  SendfactDocumentStatus,
  type SendfactStatusResponse,
} from '../cpe/sendfact-cpe.types.js';

/** What a handler answers: a status and a JSON body. */
export interface StandInReply {
  status: number;
  body: unknown;
}

/** `<RUC>-<type>-<series>-<number>`, or `<RUC>-RC|RA-<yyyymmdd>-<n>` for daily summaries and voidings. */
const FILE_NAME = /^(\d{11})-(?:(\d{2})-([A-Z0-9]{4})-(\d{1,8})|(RC|RA)-(\d{8})-(\d{1,5}))$/;

const DOCUMENT_TYPES: Record<string, string> = {
  '01': 'Factura',
  '03': 'Boleta de Venta',
  '07': 'Nota de Crédito',
  '08': 'Nota de Débito',
  '09': 'Guía de Remisión',
  RC: 'Resumen Diario',
  RA: 'Comunicación de Baja',
};

/** The error body shape seen from Sendfact: `{ errors: ["<code> - <text>"], is_rejected, status }`. */
export function errorReply(status: number, ...errors: string[]): StandInReply {
  return { status, body: { errors, is_rejected: false, status } satisfies SendfactErrorBody };
}

/** What SUNAT says of a document whose amount to pay is negative: the stand-in's one rejection. */
const NEGATIVE_TOTAL = '2999 - El importe total a pagar no puede ser negativo';

// The bodies below are typed with the shapes SendfactCpeService reads, so the two cannot drift apart
// without the compiler saying so (and test/cpe/stand-in-shapes.spec.ts checks the answers at run time).

/**
 * The invoice endpoints of the stand-in, as far as they are known (sign, send, status). Keeps the documents
 * it accepted, so `status` answers for what was sent.
 */
export class StandInDocuments {
  readonly #sent = new Map<string, { xml: string; cdr: string; rejection?: string }>();

  /** `POST /api/cpe/sign` */
  sign(body: unknown, ruc: string | undefined): StandInReply {
    const doc = this.#document(body, ruc);
    if ('status' in doc) return doc;
    const xml = signedXml(doc.xml);
    return {
      status: 200,
      body: {
        message: `El comprobante ${doc.fileName} ha sido firmado`,
        xml: Buffer.from(xml).toString('base64'),
        hash_code: digest(xml),
      } satisfies SendfactSignResponse,
    };
  }

  /**
   * `POST /api/cpe/send`. A document whose `PayableAmount` is negative is rejected as SUNAT would: 400 with
   * `is_rejected: true`, and its status reads `Rejected` afterwards.
   */
  send(body: unknown, ruc: string | undefined): StandInReply {
    const doc = this.#document(body, ruc);
    if ('status' in doc) return doc;
    const xml = doc.xml.includes('<ds:Signature') ? doc.xml : signedXml(doc.xml);
    if (/<cbc:PayableAmount[^>]*>\s*-/.test(xml)) {
      const cdr = applicationResponse(doc.fileName, NEGATIVE_TOTAL);
      this.#sent.set(doc.fileName, { xml, cdr, rejection: NEGATIVE_TOTAL });
      return {
        status: 400,
        body: {
          errors: [NEGATIVE_TOTAL],
          is_rejected: true,
          status: 400,
        } satisfies SendfactErrorBody,
      };
    }
    const cdr = applicationResponse(doc.fileName);
    this.#sent.set(doc.fileName, { xml, cdr });
    return {
      status: 200,
      body: {
        message: `La ${doc.kind} numero ${doc.serialNumber}, ha sido aceptada`,
        observations: [],
        xml: Buffer.from(xml).toString('base64'),
        cdr: Buffer.from(cdr).toString('base64'),
        hash_code: digest(xml),
        errors: [],
      } satisfies SendfactSendResponse,
    };
  }

  /** `GET /api/cpe/:file_name/status` */
  status(fileName: string, ruc: string | undefined): StandInReply {
    if (!FILE_NAME.test(fileName))
      return errorReply(400, '0151 - El nombre del archivo no es válido');
    if (ruc !== undefined && !fileName.startsWith(ruc)) {
      return errorReply(403, '0154 - El RUC del comprobante no corresponde al usuario');
    }
    const sent = this.#sent.get(fileName);
    if (sent === undefined) return errorReply(404, '0100 - El comprobante no existe');
    const rejected = sent.rejection !== undefined;
    return {
      status: 200,
      body: {
        document_status: rejected
          ? SendfactDocumentStatus.Rejected
          : SendfactDocumentStatus.Accepted,
        message: rejected ? 'Rechazado' : 'Aceptado',
        is_rejected: rejected,
        error_detail: sent.rejection ?? null,
        observations: [],
        cdr: Buffer.from(sent.cdr).toString('base64'),
        xml: Buffer.from(sent.xml).toString('base64'),
      } satisfies SendfactStatusResponse,
    };
  }

  #document(body: unknown, ruc: string | undefined) {
    const { file_name: fileName, file_content: content } = (body ?? {}) as Record<string, unknown>;
    if (typeof fileName !== 'string' || !FILE_NAME.test(fileName)) {
      return errorReply(400, '0151 - El nombre del archivo no es válido (file_name)');
    }
    if (typeof content !== 'string' || content === '' || !/^[A-Za-z0-9+/=\s]+$/.test(content)) {
      return errorReply(
        400,
        '0155 - El archivo no contiene datos (file_content debe ser XML en base64)',
      );
    }
    const xml = Buffer.from(content, 'base64').toString('utf8');
    if (!xml.trimStart().startsWith('<')) {
      return errorReply(400, '0306 - El archivo no es un XML válido');
    }
    if (ruc !== undefined && !fileName.startsWith(ruc)) {
      return errorReply(403, '0154 - El RUC del comprobante no corresponde al usuario');
    }
    const match = FILE_NAME.exec(fileName)!;
    const type = match[2] ?? match[5]!;
    const serialNumber =
      match[3] !== undefined ? `${match[3]}-${match[4]}` : `${match[6]}-${match[7]}`;
    return { fileName, xml, kind: DOCUMENT_TYPES[type] ?? 'Comprobante', serialNumber };
  }
}

function signedXml(xml: string): string {
  const signature = `<ds:Signature Id="SignSendfactStandIn"><ds:DigestValue>${digest(xml)}</ds:DigestValue></ds:Signature>`;
  return xml.includes('</ext:ExtensionContent>')
    ? xml.replace('</ext:ExtensionContent>', `${signature}</ext:ExtensionContent>`)
    : xml.replace(/(<\?xml[^>]*\?>)?/, (decl) => `${decl}<!-- signed -->${signature}`);
}

function applicationResponse(fileName: string, rejection?: string): string {
  const [code, text] =
    rejection === undefined
      ? ['0', `El comprobante ${fileName} ha sido aceptado`]
      : rejection.split(' - ', 2);
  return (
    '<?xml version="1.0" encoding="UTF-8"?><ar:ApplicationResponse>' +
    `<cbc:ResponseCode>${code}</cbc:ResponseCode><cbc:Description>${text}</cbc:Description>` +
    '</ar:ApplicationResponse>'
  );
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}
