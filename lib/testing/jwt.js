import { createHmac, timingSafeEqual } from 'node:crypto';
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** Signs `claims` as an HS256 JWT. */
export function signJwt(claims, secret) {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
    return `${HEADER}.${payload}.${signature}`;
}
/** The claims of an HS256 JWT signed with `secret`, or `undefined` when it is malformed or forged. */
export function verifyJwt(token, secret) {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER)
        return undefined;
    const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return undefined;
    try {
        const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
        return claims !== null && typeof claims === 'object'
            ? claims
            : undefined;
    }
    catch {
        return undefined;
    }
}
//# sourceMappingURL=jwt.js.map