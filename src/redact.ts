/**
 * The last guard before anything reaches stdout, stderr or a file: strips
 * query strings from URLs (presigned code locations carry signatures and
 * session tokens there) and anything shaped like an AWS credential.
 */
const URL_QUERY = /\b(https?:\/\/[^\s?#"'<>]+)\?[^\s"'<>]*/g;
const SIGV4_PARAMS = /\b(X-Amz-(?:Signature|Security-Token|Credential)|Signature|AWSAccessKeyId|x-amz-security-token)=[^&\s"'<>]+/gi;
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g;
const AUTH_HEADER = /\bAWS4-HMAC-SHA256\s+Credential=[^\s"']+(?:,\s*SignedHeaders=[^\s,"']+)?(?:,\s*Signature=[0-9a-f]+)?/gi;

export function redact(text: string): string {
  return text
    .replace(URL_QUERY, '$1?<redacted>')
    .replace(SIGV4_PARAMS, '$1=<redacted>')
    .replace(AUTH_HEADER, 'AWS4-HMAC-SHA256 <redacted>')
    .replace(ACCESS_KEY_ID, '<redacted-access-key-id>');
}

/** A URL safe to name in messages: origin and path, no query, no user info. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return redact(url.split('?')[0] ?? '');
  }
}
