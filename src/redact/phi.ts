/**
 * PHI-safe redaction of free text (log lines, error messages) before it leaves the process.
 * Pure: no I/O, no clock, no Kubernetes / pg imports.
 *
 * 1. Bound the input: only a window of a few KiB is looked at; a token cut by the window is dropped
 *    entirely (half an email or half an SSN would slip past the rules).
 * 2. Normalise: ANSI escapes, control and invisible characters, lone surrogates; NFKC (full-width digits
 *    become ASCII digits, so they are caught too); whitespace collapses.
 * 3. Protect error codes (`SQLSTATE 57014`, `ORA-12541`, `status=503`: `identifiers.ts`) from the rules below.
 * 4. Apply the ordered typed rules below, most specific first (URLs and secrets before quotes, emails before
 *    numbers, dates before phones, ...); every remaining digit run becomes `<num>`.
 * 5. Default-deny (`token-classes.ts`): every remaining word is kept only when the vocabulary knows it is safe,
 *    else replaced by a typed placeholder (`<name>`, `<word>`, `<id>`, ...).
 * 6. Truncate to `maxLength` UTF-16 code units on a grapheme boundary, with an ellipsis.
 *
 * This is the one redaction module: signatures, diagnosis text, database session metadata, driver messages,
 * notifications and alert summaries all call it; the operator's log scrubber shares its secret rules.
 *
 * Every regex is linear: bounded quantifiers or disjoint classes, no nested unbounded repetition.
 */
import { isIPv6 } from 'node:net';
import { PrivateUse, protectCodes, redactAccounts, redactEncoded, redactHosts, redactPaths, redactUrls } from './identifiers.js';
import { Placeholder } from './placeholders.js';
import { redactSecrets } from './secrets.js';
import { denyUnknownWords } from './token-classes.js';

export { Placeholder } from './placeholders.js';

export const DefaultMaxLength = 300;
export const Ellipsis = '\u2026';

/** Raw characters looked at: max(MinScanWindow, maxLength * ScanWindowFactor). */
const ScanWindowFactor = 8;
const MinScanWindow = 4096;

export interface RedactOptions {
  /** Maximum length of the result in UTF-16 code units (default 300). */
  readonly maxLength?: number;
}

type Rule = (s: string) => string;

export function redactText(input: string, opts: RedactOptions = {}): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  const maxLength = toLimit(opts.maxLength, DefaultMaxLength);
  if (maxLength === 0) return '';
  const { text, cut } = boundInput(input, Math.max(MinScanWindow, maxLength * ScanWindowFactor));
  const { text: protectedText, restore } = protectCodes(sanitise(text));
  let s = protectedText;
  s = collapseWhitespace(restore(applyRules(s)));
  if (cut) s = `${s} ${Ellipsis}`.trimStart();
  return truncate(s, maxLength);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Operator-written sentences (`escalated to tier 2 after 15 minutes`, `revision 6 restored`): kept verbatim when
 * the only things the rules change are short numbers (<= 3 digits: never a year, a date or a phone number) and,
 * with `keepTimestamps`, the operator's own machine timestamps (`2026-11-27T03:15:00.000Z`, a deadline);
 * otherwise the redacted text. The same rule as `redactText`, minus the loss of meaning a template's own numbers
 * would suffer. Text a person wrote (`spec.summary`) never gets `keepTimestamps`.
 */
export function redactOperatorText(input: string, opts: RedactOptions & { readonly keepTimestamps?: boolean } = {}): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  const maxLength = toLimit(opts.maxLength, DefaultMaxLength);
  const plain = collapseWhitespace(sanitise(input));
  if (plain.length > MinScanWindow) return redactText(input, { maxLength });
  const redacted = redactText(plain, { maxLength: plain.length + 64 });
  let pattern = escapeRe(redacted).replaceAll(Placeholder.Num, String.raw`\d{1,3}(?:\.\d{1,3})?`);
  if (opts.keepTimestamps) pattern = pattern.replaceAll(Placeholder.Date, String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z`);
  return new RegExp(`^${pattern}$`, 'u').test(plain) ? truncate(plain, maxLength) : truncate(redacted, maxLength);
}

/** Returns the canaries (non-empty, compared case-insensitively) that occur in `text`. */
export function containsCanary(text: string, canaries: readonly string[]): string[] {
  const haystack = String(text).toLowerCase();
  return canaries.filter((c) => c.length > 0 && haystack.includes(c.toLowerCase()));
}

function toLimit(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}

const isSpaceAt = (s: string, i: number): boolean => /\s/.test(s.charAt(i));

function boundInput(input: string, window: number): { text: string; cut: boolean } {
  if (input.length <= window) return { text: input, cut: false };
  let end = window;
  if (!isSpaceAt(input, end)) while (end > 0 && !isSpaceAt(input, end - 1)) end -= 1;
  return { text: input.slice(0, end), cut: true };
}

// ---------------------------------------------------------------------------------------------- sanitising

const AnsiCsi = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]/g;
const AnsiOsc = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
const AnsiOther = /\u001b[@-Z\\-_]/g;
/** Zero-width and bidi-control characters: removed (not spaced) so they cannot split a token past a rule. */
const Invisible = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const LoneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const Controls = /[\u0000-\u001f\u007f-\u009f]/g;

/** Removes ANSI escape sequences (colours, cursor movement, OSC titles). */
export function stripAnsi(s: string): string {
  return s.replace(AnsiCsi, '').replace(AnsiOsc, '').replace(AnsiOther, '');
}

function sanitise(s: string): string {
  const plain = stripAnsi(s)
    .replace(Invisible, '')
    .replace(PrivateUse, '')
    .replace(LoneSurrogate, '\ufffd')
    .replace(Controls, ' ');
  return collapseWhitespace(plain.normalize('NFKC'));
}

function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------------------------------- PII keys

const PiiKeys = [
  '(?:patient|first|last|full|given|family|middle|maiden|user)[_ -]?name', 'd\\.?o\\.?b',
  'birth[_ -]?date', 'date[_ -]?of[_ -]?birth', '(?:home|street|mailing|postal|patient)[_ -]?address',
  'zip[_ -]?code', 'postcode', 'e-?mail', 'phone(?:[_ -]?number)?', 'ssn', 'social[_ -]?security(?:[_ -]?number)?',
  'diagnosis',
].join('|');
/**
 * A value: "double", 'single', \"escaped\" or a bare run (with an optional auth scheme in front). A bare
 * secret runs to the next space / quote / separator; a bare PII value also stops at a bracket
 * (so `dob=<pii>` is left alone on a second pass).
 */
const kvValue = (bare: string): string =>
  String.raw`(?:"[^"]*"|'[^']*'|\\"(?:[^"\\]|\\(?!"))*\\"|(?:(?:Bearer|Basic|Digest)\s+)?${bare})`;

function keyValueRule(keys: string, bare: string, placeholder: string): Rule {
  const re = new RegExp(String.raw`(${keys})(\\?["']?\s*[:=]\s*)${kvValue(bare)}`, 'gi');
  return (s) => s.replace(re, (_m, key: string, sep: string) => `${key}${sep}${placeholder}`);
}

const redactPiiFields = keyValueRule(PiiKeys, String.raw`[^\s"'\x60,;&)\]}<>]+`, Placeholder.Pii);
/** `?a=b&c=d` outside a URL can carry anything: it goes as a whole. */
const QueryString = /\?[\w.%[\]-]{1,64}=[^\s#]*/g;

// -------------------------------------------------------------------------------------------------- quotes

const QuotePairs: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '`': '`',
  '\u201c': '\u201d',
  '\u2018': '\u2019',
  '\u00ab': '\u00bb',
};
const Apostrophes = new Set(["'", '\u2019']);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Quoted values become `"<str>"` (a scanner, not a regex: linear, handles escapes). A single quote right
 * after a letter is an apostrophe (can't, users'), and a closing one must not be followed by a letter
 * (O'Brien). An unterminated quote hides everything after it.
 */
function redactQuoted(s: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < s.length) {
    const open = s.charAt(i);
    const close = QuotePairs[open];
    if (close === undefined || (Apostrophes.has(open) && isWordChar(s[i - 1]))) {
      i += 1;
      continue;
    }
    const escaped = s[i - 1] === '\\';
    const end = findClose(s, i + 1, close, escaped);
    if (end >= 0 && keepsQuotedContent(s, i + 1, end, escaped)) {
      i = end + 1; // structure: a JSON key or a plain lowercase identifier (the word pass vets its words)
      continue;
    }
    out += `${s.slice(last, i)}${open}${Placeholder.Str}`;
    if (end < 0) return out;
    out += escaped ? `\\${close}` : close;
    i = end + 1;
    last = i;
  }
  return out + s.slice(last);
}

const JsonKey = /^[A-Za-z_][\w.-]{0,63}$/;
const PlainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;

const MaxInertQuoted = 200;
let quoteDepth = 0;

/**
 * Quoted text stays when it is structure (`"message":` keys, `relation "patients"`, `KeyError: 'patient_id'`)
 * or when every rule leaves it unchanged (`'no such patient'`): quoting never keeps what the rules would remove.
 */
function keepsQuotedContent(s: string, from: number, end: number, escaped: boolean): boolean {
  const content = s.slice(from, escaped ? end - 1 : end);
  if (PlainIdentifier.test(content)) return true;
  if (JsonKey.test(content) && /^\s{0,3}:/.test(s.slice(end + 1, end + 5))) return true;
  if (content.length > MaxInertQuoted || quoteDepth > 0 || content.trim() === '') return false;
  quoteDepth += 1;
  try {
    return applyRules(content) === content;
  } finally {
    quoteDepth -= 1;
  }
}

function findClose(s: string, from: number, close: string, escaped: boolean): number {
  for (let j = from; j < s.length; j += 1) {
    const c = s.charAt(j);
    if (escaped) {
      if (c === '\\' && s[j + 1] === close) return j + 1;
      continue;
    }
    if (c === '\\') {
      j += 1;
      continue;
    }
    if (c === close && !(Apostrophes.has(close) && isWordChar(s[j + 1]))) return j;
  }
  return -1;
}

// ---------------------------------------------------------------------------------- emails, ids, uuids

const Email = /[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/gu;

/** `lodash@4.17.21` is not an email: trailing all-digit labels are left for the number rule. */
function redactEmails(s: string): string {
  if (!s.includes('@')) return s;
  return s.replace(Email, (m) => {
    const at = m.indexOf('@');
    const labels = m.slice(at + 1).split('.');
    let n = labels.length;
    while (n > 0 && !/\p{L}/u.test(labels[n - 1] ?? '')) n -= 1;
    if (n < 2) return m;
    const rest = labels.slice(n).join('.');
    return rest ? `${Placeholder.Email}.${rest}` : Placeholder.Email;
  });
}

const Uuid = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

const IdLabel = [
  'MRN', 'MR#', 'medical[ _-]?record(?:[ _-]?(?:number|num|no))?', 'patient[ _-]?(?:id|identifier|number|num|no)',
  '(?:member|chart|encounter|account|insurance|policy)[ _-]?(?:id|number|num|no)', 'acct', 'NHS(?:[ _-]?(?:number|no))?',
].join('|');
/** `MRN: 4455667`, `patient_id=42`, `NHS number 943 476 5919` -> label kept, value `<id>`. */
const LabelledId = new RegExp(String.raw`\b(${IdLabel})(\s*[:#=]\s*|\s+(?:#\s*)?)([\p{L}\p{N}][\p{L}\p{N}-]{0,39}(?: \p{N}{3,4}){0,2})`, 'giu');

function redactLabelledIds(s: string): string {
  return s.replace(LabelledId, (m, label: string, sep: string, value: string) =>
    /\p{N}/u.test(value) ? `${label}${sep}${Placeholder.Id}` : m,
  );
}

// ---------------------------------------------------------------------------------------- dates, times

const Time = String.raw`\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s?[AaPp][Mm])?(?:\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?`;
const Month = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)`;
const Day = String.raw`\d{1,2}(?:st|nd|rd|th)?`;
const DateRules: readonly RegExp[] = [
  new RegExp(String.raw`(?<![\d.])\d{4}([-/.])\d{1,2}\1\d{1,2}(?:[T ]${Time})?(?!\d)`, 'g'),
  new RegExp(String.raw`(?<![\d./-])\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?:,?[T ]${Time})?(?![\d/])`, 'g'),
  new RegExp(String.raw`(?<![\d./-])\d{1,2}([.-])\d{1,2}\1\d{4}(?:,?[T ]${Time})?(?!\d)`, 'g'),
  new RegExp(String.raw`(?<!\d)${Day}[ -]${Month}\.?(?:[ -],?\s?\d{4})?(?:,?\s${Time})?(?![\w])`, 'gi'),
  new RegExp(String.raw`\b${Month}\.?\s${Day}(?:,?\s\d{4})?(?:,?\s${Time})?(?![\w])`, 'gi'),
  new RegExp(String.raw`\b${Month}\.?,?\s\d{4}(?!\d)`, 'gi'),
  new RegExp(String.raw`(?<![\d:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s?[AaPp][Mm])?(?:\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?(?![\d:])`, 'g'),
  /(?<![\d:.])\d{1,2}:\d{2}\s?[AaPp][Mm]\b/g,
];

function redactDates(s: string): string {
  return DateRules.reduce((acc, re) => acc.replace(re, Placeholder.Date), s);
}

// ------------------------------------------------------------------------------------------ addresses

const Ipv6Candidate =
  /(?<![\w.])(\[)?((?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3}))(?:%[\w.-]{1,32})?(\])?(?::(\d{1,5}))?(?![\w:])/gi;
const Octet = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const Ipv4 = new RegExp(String.raw`(?<![\w.])${Octet}(?:\.${Octet}){3}(?::(\d{1,5}))?(?!\w|\.\d)`, 'g');
const ipWithPort = (port: string | undefined): string => (port ? `${Placeholder.Ip}:${Placeholder.Port}` : Placeholder.Ip);

function redactIps(s: string): string {
  return s
    .replace(Ipv6Candidate, (m, open: string | undefined, addr: string, close: string | undefined, port: string | undefined) => {
      // C++ / Rust paths (`a::b`) are valid IPv6 text: a real address carries a digit.
      if (!isIPv6(addr) || !/\d/.test(addr) || Boolean(open) !== Boolean(close)) return m;
      return open ? ipWithPort(port) : `${Placeholder.Ip}${port ? `:${Placeholder.Num}` : ''}`;
    })
    .replace(Ipv4, (_m, port: string | undefined) => ipWithPort(port));
}

const Ssn = /(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)/g;
const UsPhone = /(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\w)/g;
const IntlPhone = /(?<![\w+])\+(?:\d{7,15}|\d{1,3}(?:[\s.-]?\(\d{1,4}\))?(?:[\s.-]\d{1,5}){1,5})(?!\w)/g;

function redactSsnAndPhones(s: string): string {
  return s
    .replace(Ssn, Placeholder.Ssn)
    .replace(UsPhone, Placeholder.Phone)
    .replace(IntlPhone, (m) => {
      const digits = m.replace(/\D/g, '').length;
      return digits >= 7 && digits <= 15 ? Placeholder.Phone : m;
    });
}

// ------------------------------------------------------------------------------------ hex, ids, numbers

const Hex = /\b(?:0x[0-9a-f]+|[0-9a-f]{8,})\b/gi;

function redactHex(s: string): string {
  return s.replace(Hex, (m) => (/^0x/i.test(m) || (/\d/.test(m) && /[a-f]/i.test(m)) ? Placeholder.Hex : m));
}

const AlnumToken = /[\p{L}\p{N}_]+(?:-[\p{L}\p{N}_]+)*/gu;
/** Technical words that happen to carry three digits. */
const TechnicalWords = /^(?:sha\d{1,3}|x86_64|u?int\d{1,3}|float\d{1,3}|[EHPR]S\d{3}|aes\d{3}|rsa\d{4})$/i;
/** `3000ms`, `512Mi`: a number with a unit; the number rule handles the digits. */
const NumberWithUnit = /^\p{Nd}+\p{L}{1,4}$/u;

/** Tokens mixing letters and at least three digits (MRN-00123456, AB1234567, pod-7f9c2d) -> `<id>`. */
function redactAlnumIds(s: string): string {
  return s.replace(AlnumToken, (tok) => {
    const digits = tok.replace(/\P{Nd}/gu, '').length;
    if (digits < 3 || !/\p{L}/u.test(tok) || NumberWithUnit.test(tok) || TechnicalWords.test(tok)) return tok;
    return Placeholder.Id;
  });
}

/** Any remaining digit run not glued to a preceding letter (v1, k8s stay; 3000ms -> <num>ms). */
const NumberRun = /(?<![\p{L}\p{N}_])\p{Nd}+(?:[.,]\p{Nd}+)*/gu;

function redactNumbers(s: string): string {
  return s.replace(NumberRun, Placeholder.Num);
}

const Rules: readonly Rule[] = [
  redactUrls,
  redactSecrets,
  (s) => s.replace(QueryString, `?${Placeholder.Query}`),
  redactPiiFields,
  redactEncoded,
  redactPaths,
  redactQuoted,
  redactEmails,
  redactHosts,
  (s) => s.replace(Uuid, Placeholder.Uuid),
  redactLabelledIds,
  redactDates,
  redactAccounts,
  redactIps,
  redactSsnAndPhones,
  redactHex,
  redactAlnumIds,
  redactNumbers,
];

/** Typed rules, then the default-deny word pass. */
function applyRules(input: string): string {
  let s = input;
  for (const rule of Rules) s = rule(s);
  return denyUnknownWords(s);
}

// ------------------------------------------------------------------------------------------ truncation

let segmenter: Intl.Segmenter | undefined;

/** Grapheme clusters (code points when Intl.Segmenter is unavailable). */
function* graphemes(s: string): Generator<string> {
  if (typeof Intl.Segmenter !== 'function') {
    yield* s;
    return;
  }
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const seg of segmenter.segment(s)) yield seg.segment;
}

/** At most `max` UTF-16 code units, cut between grapheme clusters (never inside a surrogate pair). */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const budget = max - Ellipsis.length;
  let out = '';
  for (const g of graphemes(s)) {
    if (out.length + g.length > budget) break;
    out += g;
  }
  return `${out.trimEnd()}${Ellipsis}`;
}
