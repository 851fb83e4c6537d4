/**
 * Secret rules shared by the evidence redactor (`phi.ts`) and the operator's log scrubber (`src/log.ts`).
 * Pure: no I/O. Every regex is linear (bounded quantifiers or disjoint classes).
 *
 * Removed: private keys, URL userinfo (up to the last `@` of the token, so `p@ss` passwords go too), Slack
 * webhook URLs and tokens, PagerDuty routing/integration keys, JWTs, `Authorization:` headers of every scheme
 * (the whole value), `Bearer`/`Basic`/`Digest`/`Token` credentials anywhere, `key=value` / `"key": value`
 * secrets (`password`, `PGPASSWORD`, `token`, `secret`, `api_key`, `routing_key`, ...).
 */

export const SecretPlaceholder = '<secret>';
export const CredentialsPlaceholder = '<cred>';

const PrivateKey = /-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]{0,40}PRIVATE KEY-----|$)/g;
/** `scheme://user:p@ss@host` -> `scheme://<cred>@host`: userinfo runs to the last `@` before whitespace. */
const UrlCredentials = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s@]{0,512}@(?:[^\s@]{0,512}@){0,8}/gi;
const SlackWebhook = /\bhttps?:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]*/gi;
const SlackToken = /\bxox[abprse]-[\w-]{6,}/g;
const PagerDutyUrl = /\bhttps?:\/\/events(?:\.eu)?\.pagerduty\.com\/[^\s"'<>]*/gi;
const Jwt = /\beyJ[\w-]{5,}\.[\w-]{5,}(?:\.[\w-]*)?/g;
/** The whole value of an Authorization header, whatever the scheme (Digest values carry commas and quotes). */
const AuthorizationHeader = /\b((?:proxy-)?authorization)(\\?["']?\s*[:=]\s*)[^\r\n]*/gi;
const SchemeCredentials = /\b(Bearer|Token|Digest|Negotiate|NTLM|AWS4-HMAC-SHA256|Splunk|SSWS|ApiKey)\s+[\w.~+/=:,"-]{4,}/g;
const Basic = /\b(Basic)\s+([A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])/g;

export const SecretKeyPattern = [
  'pg_?password', 'password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'token', 'api[_-]?key', 'apikey',
  '(?:access|secret|private|client|signing|encryption|routing|integration|service)[_-]?key', 'authorization',
  'auth', 'credentials?', 'cookie', 'session(?:[_-]?id)?', 'x-api-key', 'dsn', 'connection[_-]?string',
].join('|');

/** Whole-key test for structured meta (`{ password: ... }`, `PGPASSWORD`, `routingKey`, `x-api-key`). */
const SecretKeyName = /(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|(?:access|private|client|signing|encryption|routing|integration|service)[_-]?key|authorization|^auth$|credentials?|cookie|session[_-]?id|dsn|connection[_-]?string|webhook[_-]?url)/i;

/** Keys that name or count a secret rather than hold one (`secretRef`, `tokenCount`, `passwordExpiresAt`). */
const SecretMetaKey = /(?:ref|refs|name|names|count|length|ttl|type|kind|expiry|expires(?:at)?|file|path|present|set)$/i;

export function isSecretKey(key: string): boolean {
  return SecretKeyName.test(key) && !SecretMetaKey.test(key);
}

/** A value: "double", 'single', \"escaped\" or a bare run (an earlier `<secret>` is left alone: idempotent). */
const kvValue = String.raw`(?:"[^"]*"|'[^']*'|\\"(?:[^"\\]|\\(?!"))*\\"|(?!<secret>|<cred>)(?:(?:Bearer|Basic|Digest|Token)\s+)?[^\s"'\x60,;&]+)`;
const KeyValueSecret = new RegExp(String.raw`((?:${SecretKeyPattern}))(\\?["']?\s*[:=]\s*)${kvValue}`, 'gi');

/** `Bearer x` always; other schemes only when the value looks like one (`Token expired` is a message). */
function looksLikeCredential(scheme: string, value: string): boolean {
  if (value === SecretPlaceholder || value.startsWith('<')) return false;
  return scheme === 'Bearer' || /[\d+/=]/.test(value) || value.length >= 20;
}

/** Removes secrets from free text; everything else is left as it is. */
export function redactSecrets(s: string): string {
  return s
    .replace(PrivateKey, SecretPlaceholder)
    .replace(SlackWebhook, SecretPlaceholder)
    .replace(PagerDutyUrl, SecretPlaceholder)
    .replace(UrlCredentials, (_m, scheme: string) => `${scheme}${CredentialsPlaceholder}@`)
    .replace(AuthorizationHeader, (_m, key: string, sep: string) => `${key}${sep}${SecretPlaceholder}`)
    .replace(KeyValueSecret, (_m, key: string, sep: string) => `${key}${sep}${SecretPlaceholder}`)
    .replace(SlackToken, SecretPlaceholder)
    .replace(Jwt, SecretPlaceholder)
    .replace(SchemeCredentials, (m, scheme: string) => (looksLikeCredential(scheme, m.slice(scheme.length).trim()) ? `${scheme} ${SecretPlaceholder}` : m))
    .replace(Basic, (m, scheme: string, value: string) => (/[\d+/=]/.test(value) ? `${scheme} ${SecretPlaceholder}` : m));
}
