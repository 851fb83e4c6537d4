/**
 * The default-deny pass: after the typed rules (`phi.ts`) have turned what they recognise into placeholders,
 * every remaining word is kept only when it is known to be safe, and replaced by a typed placeholder otherwise.
 * Pure: no I/O.
 *
 * Kept: punctuation and whitespace; placeholders; protected codes; lowercase words of the vocabulary
 * (`vocabulary.ts`: English list minus names and diagnoses, plus technical words); technical words in any case
 * (`Connection`, `REFUSED`); safe all-caps words (levels, SQL, errno names); error class names
 * (`NullPointerException`, `KeyError`, `PSQLException`); compound identifiers (`PatientService`, `patient_id`,
 * `ERR_INVALID_ARG_TYPE`) whose every part is a vocabulary word and one part is technical.
 *
 * Replaced: capitalised or all-caps words not in the technical vocabulary -> `<name>`; lowercase words not in
 * the vocabulary -> `<word>`; tokens with digits -> `<num>` / `<id>`. After a person word (`patient`, `name`,
 * `user`, `Dr`, ...) every following word that is not technical is `<name>`; after a health word (`diagnosis`,
 * `dx`, `condition`, ...) it is `<text>`; after an identifier key (`member_id=`, `plate:`) it is `<id>`.
 * Runs of the same placeholder collapse (`Jane Q. Roe` -> `<name>`).
 */
import { AllPlaceholders, Placeholder } from './placeholders.js';
import { Sentinel } from './identifiers.js';
import { EnglishWords, isLowercaseVocabularyWord, isTechnicalWord, TechnicalWords, UpperWords } from './vocabulary.js';

type ContextKind = 'name' | 'health' | 'ident';

const ContextPlaceholder: Readonly<Record<ContextKind, string>> = {
  name: Placeholder.Name,
  health: Placeholder.Text,
  ident: Placeholder.Id,
};
/** Words a context lasts for (a name has at most a few parts; a diagnosis a few more). */
const ContextSpan: Readonly<Record<ContextKind, number>> = { name: 4, health: 6, ident: 2 };

const words = (text: string): Set<string> => new Set(text.split(/\s+/u).filter((w) => w.length > 0));

export const PersonWords: ReadonlySet<string> = words(`
  patient patients name names fullname firstname lastname surname forename givenname username user member
  customer client dr doctor nurse physician mr mrs ms miss mx guardian insured subscriber beneficiary employee
  resident person owner caller contact signer relative spouse parent child mother father next-of-kin kin
`);
export const HealthContextWords: ReadonlySet<string> = words(`
  diagnosis diagnoses diagnosed dx condition conditions icd icd10 disease disorder allergy allergies medication
  medications prescription prescribed rx symptom symptoms treatment treated
`);
/** Keys whose value is an identifier (`plate=`, `member_id:`): the context only opens before `=` / `:`. */
export const IdentKeyWords: ReadonlySet<string> = words(`
  id ids mrn ssn sin nino nhs npi dob birthdate birthday account acct iban card pan policy plate license licence
  vin serial imei imsi mac device email phone fax mobile tel zip zipcode postcode address street city county
  town photo image picture face biometric fingerprint retina voiceprint badge certificate member
`);

const ErrorClassSuffix = /(?:Exception|Error|Throwable|Fault|Failure|Warning|Timeout|Panic|Rejection|Violation|Conflict|Interrupt|Abort|Exit)$/;
/** Tokens with digits that are technical words: v2, k8s, utf8, sha256, int64, ipv4, http2, base64, x86_64. */
const TechnicalMixed = /^(?:v\d{1,2}|x\d{1,4}|p[0-4]|sev[0-5]|[1-5]xx|k8s|k3s|utf-?8|utf16|sha\d{1,3}|md5|u?int\d{1,2}|float\d{2}|ipv[46]|http[23]|h2c?|base64|oauth2|x86_64|x86|arm64|amd64|aarch64|s3|ec2|sigusr[12]|tls1|e2e|i18n|l10n|log4j|slf4j|pg\d{1,2}|jdk\d{1,2}|java\d{1,2}|es\d{1,4}|python3|py3|node\d{1,2}|psycopg2?|pg8000|log4j2)$/i;

const placeholderAlternation = AllPlaceholders.join('|');
const TokenRe = new RegExp(String.raw`(${placeholderAlternation})|(${Sentinel.source})|([\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}]+)*)|(\s+)|([\s\S])`, 'gu');
/** Punctuation that ends a context (a new field or clause starts). */
const ContextBreak = /[,;|&{}\n]/u;

const isUpper = (w: string): boolean => w === w.toUpperCase() && w !== w.toLowerCase();
const isLower = (w: string): boolean => w === w.toLowerCase();
const isCapitalised = (w: string): boolean => /^\p{Lu}[\p{Ll}\p{M}'’]*$/u.test(w);
const stripPossessive = (w: string): string => w.replace(/['’]s$/iu, '');

/** A part of a compound (`patient` of `patient_id`, `Service` of `PatientService`) that is a vocabulary word. */
function isVocabularyPart(part: string): boolean {
  const lower = part.toLowerCase();
  if (UpperWords.has(part)) return true;
  return TechnicalWords.has(lower) || EnglishWords.has(lower);
}

const isTechnicalPart = (part: string): boolean => UpperWords.has(part) || TechnicalWords.has(part.toLowerCase());

function keepsCompound(parts: readonly string[]): boolean {
  return parts.length > 0 && parts.every(isVocabularyPart) && parts.some(isTechnicalPart);
}

function camelParts(w: string): string[] {
  return w.match(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+/gu) ?? [];
}

/** Whether a single word token may be kept (outside any context). */
export function isSafeWord(token: string): boolean {
  const w = stripPossessive(token);
  if (w.length === 0) return true;
  if (/\p{N}/u.test(w)) return !/^\p{N}+$/u.test(w) && TechnicalMixed.test(w);
  if (w.includes('_')) {
    const parts = w.split('_').filter((p) => p.length > 0);
    if (parts.length === 0) return true;
    if (/^ERR_[A-Z0-9_]+$/.test(w) || UpperWords.has(w)) return true;
    return parts.length === 1 ? isSafeWord(parts[0] ?? '') : keepsCompound(parts.flatMap((p) => (isUpper(p) || isLower(p) ? [p] : camelParts(p))));
  }
  if (w.length === 1) return isLower(w) || UpperWords.has(w);
  if (UpperWords.has(w)) return true;
  if (isUpper(w)) return false;
  if (isLower(w)) return isLowercaseVocabularyWord(w);
  if (isCapitalised(w)) return isTechnicalWord(w);
  if (ErrorClassSuffix.test(w) && /^\p{Lu}/u.test(w)) return true;
  return keepsCompound(camelParts(w));
}

/** The placeholder for a word that is not kept. */
function placeholderFor(token: string): string {
  const w = stripPossessive(token);
  if (/^\p{N}+$/u.test(w)) return Placeholder.Num;
  if (/\p{N}/u.test(w)) return Placeholder.Id;
  return isLower(w) ? Placeholder.Word : Placeholder.Name;
}

/** The context a word opens, looking at its last part (`first_name`, `patientName`); `ident` only before `=`/`:`. */
function contextCandidate(token: string): ContextKind | 'ident?' | undefined {
  let last = token.toLowerCase();
  const whole = last;
  if (/[_\p{Lu}]/u.test(token.slice(1))) {
    const parts = token.split('_').flatMap((p) => camelParts(p));
    last = (parts[parts.length - 1] ?? token).toLowerCase();
  }
  if (PersonWords.has(whole) || PersonWords.has(last)) return 'name';
  if (HealthContextWords.has(whole) || HealthContextWords.has(last)) return 'health';
  if (IdentKeyWords.has(whole) || IdentKeyWords.has(last)) return 'ident?';
  return undefined;
}

interface WordClass {
  safe: boolean;
  /** Safe and technical (ends a context): a technical word, a safe all-caps word or a compound identifier. */
  technical: boolean;
  placeholder: string;
  context: ContextKind | 'ident?' | undefined;
}

/** Decisions per distinct word, memoised (words repeat a lot in logs); the cache is cleared when full. */
const MaxCachedWords = 20_000;
const wordCache = new Map<string, WordClass>();

function classify(word: string): WordClass {
  const cached = wordCache.get(word);
  if (cached) return cached;
  const safe = isSafeWord(word);
  const context = contextCandidate(word);
  // Context words are labels (`member`, `diagnosis`): kept when safe, and they end the context before them.
  const technical = safe && (isTechnicalWord(stripPossessive(word)) || UpperWords.has(word) || /[_\p{Lu}]/u.test(word.slice(1)) || context !== undefined);
  const result: WordClass = { safe, technical, placeholder: safe ? word : placeholderFor(word), context };
  if (wordCache.size >= MaxCachedWords) wordCache.clear();
  wordCache.set(word, result);
  return result;
}

const IdentValueFollows = /^\\?["']?\s{0,3}[:=]/u;

/** Same placeholder repeated with only spaces, dots, hyphens or apostrophes between: one placeholder. */
const RepeatedPlaceholder = /<(name|word|text|id|num)>(?:[\s.'’-]{1,3}<\1>)+/g;

/** The default-deny pass over text the typed rules have already processed. */
export function denyUnknownWords(s: string): string {
  let out = '';
  let context: { kind: ContextKind; left: number } | undefined;
  TokenRe.lastIndex = 0;
  for (let m = TokenRe.exec(s); m !== null; m = TokenRe.exec(s)) {
    const [, placeholder, sentinel, word, space, other] = m;
    if (placeholder !== undefined) {
      out += placeholder;
      if (context && --context.left <= 0) context = undefined;
    } else if (sentinel !== undefined) {
      out += sentinel;
      context = undefined;
    } else if (word !== undefined) {
      const w = classify(word);
      if (context && !w.technical) {
        out += ContextPlaceholder[context.kind];
        if (--context.left <= 0) context = undefined;
        continue;
      }
      out += w.placeholder;
      context = undefined;
      const opened = w.context === 'ident?' ? (IdentValueFollows.test(s.slice(TokenRe.lastIndex, TokenRe.lastIndex + 8)) ? 'ident' : undefined) : w.context;
      if (opened) context = { kind: opened, left: ContextSpan[opened] };
    } else if (space !== undefined) {
      out += space.includes('\n') ? '\n' : space;
      if (context && space.includes('\n')) context = undefined;
    } else if (other !== undefined) {
      out += other;
      if (context && ContextBreak.test(other)) context = undefined;
    }
  }
  return out.replace(RepeatedPlaceholder, '<$1>');
}
