/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). `undefined` when absent
 * or unreadable; never negative.
 */
export function parseRetryAfter(header, wallNow) {
    if (typeof header !== 'string' || header.trim() === '')
        return undefined;
    const value = header.trim();
    if (/^\d+$/.test(value))
        return Number(value) * 1000;
    const date = Date.parse(value);
    if (Number.isNaN(date))
        return undefined;
    return Math.max(0, date - wallNow);
}
//# sourceMappingURL=retry-after.js.map