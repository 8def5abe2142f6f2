/**
 * The last guard before anything reaches stdout, stderr or a file: strips
 * query strings from URLs (presigned code locations carry signatures and
 * session tokens there) and anything shaped like an AWS credential.
 */
const URL_QUERY = /\b(https?:\/\/[^\s?#"'<>]+)\?[^\s"'<>]*/g;
const SIGV4_PARAMS = /\b(X-Amz-(?:Signature|Security-Token|Credential)|Signature|AWSAccessKeyId|x-amz-security-token)=[^&\s"'<>]+/gi;
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g;
const AUTH_HEADER = /\bAWS4-HMAC-SHA256\s+Credential=[^\s,"']+(?:,\s*SignedHeaders=[^\s,"']+)?(?:,\s*Signature=[0-9a-f]+)?/gi;

/** Header-style echoes: "X-Amz-Security-Token: …", "Authorization: Bearer …" (the whole value, to the end of the field). */
const SECRET_HEADERS = /\b(x-amz-security-token|x-amz-signature)(\s*:\s*)[^\s;,"'<>&]+/gi;
const AUTHORIZATION = /\b(authorization[ \t]*:[ \t]*)([^\r\n;"'<>]+)/gi;
/** User information in any URL: scheme://user:password@host. */
const URL_USERINFO = /\b([a-z][\w+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/**
 * Values this process holds as secrets (the session token and secret key of
 * the credentials in use): removed wherever they appear, whatever the shape
 * of the text around them, so an endpoint that echoes a request back is
 * harmless. Only long values are kept, so a stray short string cannot blank
 * ordinary text.
 */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 12) return;
  knownSecrets.add(value);
  knownSecrets.add(encodeURIComponent(value));
}

export function redact(text: string): string {
  let out = text
    .replace(URL_QUERY, '$1?<redacted>')
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(AUTH_HEADER, 'AWS4-HMAC-SHA256 <redacted>')
    .replace(SIGV4_PARAMS, '$1=<redacted>')
    .replace(SECRET_HEADERS, '$1$2<redacted>')
    .replace(AUTHORIZATION, (_m, name: string, value: string) => `${name}${/^AWS4-HMAC-SHA256\s*$/.test(value) ? value : '<redacted>'}`)
    .replace(ACCESS_KEY_ID, '<redacted-access-key-id>');
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  return out;
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
