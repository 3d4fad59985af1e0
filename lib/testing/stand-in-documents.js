import { createHash } from 'node:crypto';
/** `<RUC>-<type>-<series>-<number>`, or `<RUC>-RC|RA-<yyyymmdd>-<n>` for daily summaries and voidings. */
const FILE_NAME = /^(\d{11})-(?:(\d{2})-([A-Z0-9]{4})-(\d{1,8})|(RC|RA)-(\d{8})-(\d{1,5}))$/;
const DOCUMENT_TYPES = {
    '01': 'Factura',
    '03': 'Boleta de Venta',
    '07': 'Nota de Crédito',
    '08': 'Nota de Débito',
    '09': 'Guía de Remisión',
    RC: 'Resumen Diario',
    RA: 'Comunicación de Baja',
};
/** The error body shape seen from Sendfact: `{ errors: ["<code> - <text>"], is_rejected, status }`. */
export function errorReply(status, ...errors) {
    return { status, body: { errors, is_rejected: false, status } };
}
/**
 * The invoice endpoints of the stand-in, as far as they are known (sign, send, status). Keeps the documents
 * it accepted, so `status` answers for what was sent.
 */
export class StandInDocuments {
    #sent = new Map();
    /** `POST /api/cpe/sign` */
    sign(body, ruc) {
        const doc = this.#document(body, ruc);
        if ('status' in doc)
            return doc;
        const xml = signedXml(doc.xml);
        return {
            status: 200,
            body: {
                message: `El comprobante ${doc.fileName} ha sido firmado`,
                xml: Buffer.from(xml).toString('base64'),
                hash_code: digest(xml),
            },
        };
    }
    /** `POST /api/cpe/send` */
    send(body, ruc) {
        const doc = this.#document(body, ruc);
        if ('status' in doc)
            return doc;
        const xml = doc.xml.includes('<ds:Signature') ? doc.xml : signedXml(doc.xml);
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
            },
        };
    }
    /** `GET /api/cpe/:file_name/status` */
    status(fileName, ruc) {
        if (!FILE_NAME.test(fileName))
            return errorReply(400, '0151 - El nombre del archivo no es válido');
        if (ruc !== undefined && !fileName.startsWith(ruc)) {
            return errorReply(403, '0154 - El RUC del comprobante no corresponde al usuario');
        }
        const sent = this.#sent.get(fileName);
        if (sent === undefined)
            return errorReply(404, '0100 - El comprobante no existe');
        return {
            status: 200,
            body: {
                document_status: 1,
                message: 'Aceptado',
                is_rejected: false,
                error_detail: null,
                observations: [],
                cdr: Buffer.from(sent.cdr).toString('base64'),
                xml: Buffer.from(sent.xml).toString('base64'),
            },
        };
    }
    #document(body, ruc) {
        const { file_name: fileName, file_content: content } = (body ?? {});
        if (typeof fileName !== 'string' || !FILE_NAME.test(fileName)) {
            return errorReply(400, '0151 - El nombre del archivo no es válido (file_name)');
        }
        if (typeof content !== 'string' || content === '' || !/^[A-Za-z0-9+/=\s]+$/.test(content)) {
            return errorReply(400, '0155 - El archivo no contiene datos (file_content debe ser XML en base64)');
        }
        const xml = Buffer.from(content, 'base64').toString('utf8');
        if (!xml.trimStart().startsWith('<')) {
            return errorReply(400, '0306 - El archivo no es un XML válido');
        }
        if (ruc !== undefined && !fileName.startsWith(ruc)) {
            return errorReply(403, '0154 - El RUC del comprobante no corresponde al usuario');
        }
        const match = FILE_NAME.exec(fileName);
        const type = match[2] ?? match[5];
        const serialNumber = match[3] !== undefined ? `${match[3]}-${match[4]}` : `${match[6]}-${match[7]}`;
        return { fileName, xml, kind: DOCUMENT_TYPES[type] ?? 'Comprobante', serialNumber };
    }
}
function signedXml(xml) {
    const signature = `<ds:Signature Id="SignSendfactStandIn"><ds:DigestValue>${digest(xml)}</ds:DigestValue></ds:Signature>`;
    return xml.includes('</ext:ExtensionContent>')
        ? xml.replace('</ext:ExtensionContent>', `${signature}</ext:ExtensionContent>`)
        : xml.replace(/(<\?xml[^>]*\?>)?/, (decl) => `${decl}<!-- signed -->${signature}`);
}
function applicationResponse(fileName) {
    return ('<?xml version="1.0" encoding="UTF-8"?><ar:ApplicationResponse>' +
        `<cbc:ResponseCode>0</cbc:ResponseCode><cbc:Description>El comprobante ${fileName} ha sido aceptado</cbc:Description>` +
        '</ar:ApplicationResponse>');
}
function digest(text) {
    return createHash('sha1').update(text).digest('base64');
}
//# sourceMappingURL=stand-in-documents.js.map