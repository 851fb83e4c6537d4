/**
 * Typed rules for identifiers that a token-by-token pass would cut into misleading pieces: URLs, paths,
 * percent-encoded and base64 blobs, IBANs, card numbers, MAC addresses. Pure; every regex is linear.
 * The protected codes (SQLSTATE, ORA-, HTTP status, exit codes) are the only digits that survive redaction.
 */
import { Placeholder } from './placeholders.js';

/** `scheme://anything` -> `<url>` (host, path, query and fragment can all carry identifiers). */
const Url = /\b[a-z][a-z0-9+.-]{1,30}:\/\/[^\s"'<>`]*/gi;
/** `www.example.org/x` without a scheme. */
const WwwUrl = /\bwww\.[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}[^\s"'<>`]*/gi;
/** `db-primary.patients.svc`, `api.example.org`: DNS names (any label may name a person or a site). */
const HostName = /(?<![\p{L}\p{N}_.@-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,10}(?:svc|local|internal|cluster|lan|corp|cloud|com|org|net|io|dev|app|edu|gov|nhs|uk|de|eu|fr|nl|us|ca|au|health|care|clinic|hospital)(?::\d{1,5})?(?![\p{L}\p{N}_.-])/giu;

/** `/var/lib/app`, `/api/patients/42`: a path starting a token (not `read/write`, not `1/2/1980`). */
const PathToken = /(?<![\p{L}\p{N}_.:/<>%@-])\/(?:[\p{L}\p{N}_.%@+~=-]{1,256}\/?){1,32}/gu;
/** A token carrying `%XX` escapes: URL-encoded text, whatever it decodes to. */
const PercentEncoded = /(?<![^\s"'<>`])[^\s"'<>`%]{0,256}%[0-9A-Fa-f]{2}[^\s"'<>`]{0,256}/g;
/** base64 / base64url: 8+ characters padded to a multiple of 4, or 16+ mixing upper, lower and digits. */
const Base64Candidate = /(?<![\w+/=-])[A-Za-z0-9+/_-]{8,4096}={0,2}(?![\w+/=-])/g;
const Iban = /\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b/g;
const Card = /(?<![\d-])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\d-])/g;
const Mac = /(?<![\w:-])[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])/g;

function isBase64(m: string): boolean {
  if (m.endsWith('=')) return m.length % 4 === 0 && !m.includes('_') && /[A-Z]/.test(m) && /[a-z0-9]/.test(m);
  return m.length >= 16 && /[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m);
}

export function redactUrls(s: string): string {
  const out = s.includes('://') ? s.replace(Url, Placeholder.Url) : s;
  return /www\./i.test(out) ? out.replace(WwwUrl, Placeholder.Url) : out;
}

export function redactPaths(s: string): string {
  return s.replace(PathToken, Placeholder.Path);
}

export function redactHosts(s: string): string {
  return s.replace(HostName, (m) => (m.includes(':') ? `${Placeholder.Host}:${Placeholder.Port}` : Placeholder.Host));
}

export function redactEncoded(s: string): string {
  const decoded = s.includes('%') ? s.replace(PercentEncoded, Placeholder.Str) : s;
  return decoded.replace(Base64Candidate, (m) => (isBase64(m) ? Placeholder.B64 : m));
}

export function redactAccounts(s: string): string {
  return s
    .replace(Mac, Placeholder.Mac)
    .replace(Iban, Placeholder.Iban)
    .replace(Card, (m) => (m.replace(/\D/g, '').length >= 13 ? Placeholder.Card : m));
}

// ------------------------------------------------------------------------------------ protected codes

/**
 * Error codes that stay verbatim: `SQLSTATE 57014`, `code: '23505'` (SQLSTATE classes only), `ORA-12541`,
 * `HTTP/1.1 503`, `status=503`, `exit code 137`, `[Errno 111]`, `errno -111`. None of them identifies a person.
 */
const ProtectedCodes: readonly RegExp[] = [
  /\bSQLSTATE\s{0,3}[=:]?\s{0,3}["'(]?[0-9A-Z]{5}\b["')]?/gi,
  /\b(?:code|sqlState|sql_state|sqlstate)["']?\s{0,3}[:=]\s{0,3}["']?(?:0[0-9A-Z]|2[0-9A-F]|3[0-9A-F]|4[02]|5[3-8]|72|F0|HV|P0|XX)[0-9A-Z]{3}\b["']?/g,
  /\b(?:ORA|PLS|TNS)-\d{5}\b/g,
  /\bHTTP\/\d(?:\.\d)?(?:\s{1,3}[1-5]\d\d\b)?/g,
  /\b(?:status(?:[ _-]?code)?|statusCode|http[ _-]?status|response[ _-]?code)["']?\s{0,3}[:=]?\s{0,3}["']?[1-5]\d\d\b["']?/gi,
  /\bexit(?:ed)?(?: with)?(?: code| status)\s{0,3}[=:]?\s{0,3}\d{1,3}\b/gi,
  /\[Errno -?\d{1,4}\]/g,
  /\((?:(?=[0-9]{0,4}[A-Z])(?:0[0-9A-Z]|2[0-9A-F]|3[0-9A-F]|4[02]|5[3-8]|72|F0|HV|P0|XX)[0-9A-Z]{3}|28000|40001|42501|42601|42703|53100|53200|53300|57014|23505|23503|23502|08001|08003|08006|25001|55000)\)/g,
  /\b[1-5]xx\b/g,
  /\berrno\s{0,3}[=:]?\s{0,3}-?\d{1,4}\b/gi,
];

const SentinelOpen = '\ue000';
const SentinelClose = '\ue001';
const SentinelBase = 0xe100;
const MaxProtected = 0xe8ff - SentinelBase;
/** One protected span: open mark, one index character, close mark. */
export const Sentinel = /\ue000[\ue100-\ue8ff]\ue001/u;
/** Private-use characters: stripped from the input so that nobody can forge a sentinel. */
export const PrivateUse = /[\ue000-\uf8ff]/gu;

export interface Protected {
  text: string;
  restore: (s: string) => string;
}

/** Replaces protected codes by sentinels that no rule touches; `restore` puts them back. */
export function protectCodes(s: string): Protected {
  const kept: string[] = [];
  let text = s;
  for (const re of ProtectedCodes) {
    text = text.replace(re, (m) => {
      if (kept.length >= MaxProtected) return m;
      kept.push(m);
      return `${SentinelOpen}${String.fromCharCode(SentinelBase + kept.length - 1)}${SentinelClose}`;
    });
  }
  const restore = (out: string): string =>
    out.replace(/\ue000([\ue100-\ue8ff])\ue001/gu, (_m, c: string) => kept[c.charCodeAt(0) - SentinelBase] ?? '');
  return { text, restore };
}
