/**
 * The claims of a JWT, decoded here rather than by the package's own parser, so that a test of what the
 * stand-in issues does not lean on the code under test. Throws on anything that is not a three-part JWT.
 */
export function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${parts.length} parts`);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
