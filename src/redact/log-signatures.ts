/**
 * Error signatures from container logs (runbook "API Service Outage", step 2: check logs for error patterns),
 * PHI-safe: every string in a report went through `redactText`; raw lines never appear in it.
 * Pure: no I/O, no clock, no Kubernetes / pg imports.
 *
 * A line is first stripped of its transport prefix (CRI `<ts> stdout F `, `kubectl logs --timestamps`),
 * then read as JSON (only `msg` / `message` / `error` / `err.message` are kept, never other fields), logfmt
 * (same keys), or text (leading timestamp and level decoration removed). The level, when known, is kept as a
 * canonical word from a fixed set (`ERROR`, `FATAL`, ...), never copied from the input.
 */
import { redactText, stripAnsi } from './phi.js';

export const MaxNormalisedLength = 200;
export const DefaultMaxSignatures = 10;
export const DefaultMaxExcerptLines = 5;
export const MaxExcerptLines = 5;
/** Distinct signatures tracked per report; beyond this, new ones only mark the report truncated. */
export const MaxTrackedSignatures = 1000;
/** JSON lines longer than this are not parsed (they are redacted as text). */
const MaxJsonChars = 1024 * 1024;

export interface LogSignature {
  signature: string;
  count: number;
  /** Index in the input `lines` of the first error line with this signature. */
  firstSeenIndex: number;
}

export interface LogSignatureReport {
  linesScanned: number;
  errorLines: number;
  signatures: LogSignature[];
  /** The most recent error lines (normalised and redacted), oldest first. */
  excerpt: string[];
  truncated: boolean;
}

export interface ExtractOptions {
  readonly maxSignatures?: number;
  readonly maxExcerptLines?: number;
}

export type Severity = 'TRACE' | 'DEBUG' | 'INFO' | 'NOTICE' | 'WARN' | 'ERROR' | 'CRITICAL' | 'ALERT' | 'EMERG' | 'FATAL' | 'PANIC';

const ErrorSeverities: ReadonlySet<Severity> = new Set<Severity>(['ERROR', 'CRITICAL', 'ALERT', 'EMERG', 'FATAL', 'PANIC']);

const SeverityNames: Readonly<Record<string, Severity>> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', information: 'INFO', informational: 'INFO', notice: 'NOTICE',
  warn: 'WARN', warning: 'WARN', error: 'ERROR', err: 'ERROR', severe: 'ERROR', crit: 'CRITICAL',
  critical: 'CRITICAL', alert: 'ALERT', emerg: 'EMERG', emergency: 'EMERG', fatal: 'FATAL', panic: 'PANIC',
  dpanic: 'PANIC',
};
const SyslogSeverities: readonly Severity[] = ['EMERG', 'ALERT', 'CRITICAL', 'ERROR', 'WARN', 'NOTICE', 'INFO', 'DEBUG'];

/** String names, pino/bunyan numbers (10..60) and syslog numbers (0..7). */
function canonicalSeverity(raw: unknown): Severity | undefined {
  if (typeof raw === 'string') {
    const key = raw.trim().toLowerCase();
    if (/^\d+$/.test(key)) return canonicalSeverity(Number(key));
    return SeverityNames[key];
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) return undefined;
  if (raw < 8) return SyslogSeverities[raw];
  if (raw >= 60) return 'FATAL';
  if (raw >= 50) return 'ERROR';
  if (raw >= 40) return 'WARN';
  if (raw >= 30) return 'INFO';
  return raw >= 20 ? 'DEBUG' : 'TRACE';
}

// --------------------------------------------------------------------------------------------- parsing

interface ParsedLine {
  severity: Severity | undefined;
  /** Message text (unredacted: only ever passed to redactText or tested). */
  body: string;
  /** A structured line carried a non-empty error field. */
  hasErrorField: boolean;
}

const CriPrefix = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) (?:(?:stdout|stderr) [FP] )?/;
const LeadingTimestamps: readonly RegExp[] = [
  /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?\]?[\s,|]*(?:-\s+)?/,
  /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?\s*/,
  /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2}\s+/,
  /^\d{10}(?:\.\d{1,9})?\s+/,
];
const Klog = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d{1,9}\s+\d+\s+[\w.-]{1,128}:\d+\]\s?/;
const KlogSeverities: Readonly<Record<string, Severity>> = { I: 'INFO', W: 'WARN', E: 'ERROR', F: 'FATAL' };
const LevelWords = 'TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|ERR|CRITICAL|CRIT|FATAL|PANIC|SEVERE|ALERT|EMERGENCY|EMERG';
/** `[error]`, `<WARN>`, `(Info)`: any case. */
const BracketLevel = new RegExp(String.raw`^[\[(<]\s*(${LevelWords})\s*[\])>][\s:|-]*`, 'i');
/** `ERROR`, `FATAL:`, `ERROR:root:` (Python logging), `INFO |`: upper case only ("Error:" is a JS class name). */
const BareLevel = new RegExp(String.raw`^(${LevelWords})(?::[\w.]{1,128}:|\b)[\s:|-]*`);
const LogfmtPair = /([\w.@-]{1,64})=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)/y;
const ErrorKeyword = /(?:error|exception)\b|\b(?:fatal|panic)\b/i;

/** Removes the CRI / --timestamps prefix and ANSI colours, keeping the indentation of the payload. */
function stripTransport(line: string): string {
  return stripAnsi(line.replace(CriPrefix, ''));
}

function stripTimestamp(s: string): string {
  for (const re of LeadingTimestamps) {
    const m = re.exec(s);
    if (m) return s.slice(m[0].length);
  }
  return s;
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function structured(get: (key: string) => unknown, levelKeys: readonly string[]): ParsedLine {
  const levelKey = levelKeys.find((k) => get(k) !== undefined);
  const msg = scalar(get('msg')) || scalar(get('message'));
  const errValue = get('error') ?? get('err');
  const err = typeof errValue === 'object' && errValue !== null ? scalar('message' in errValue ? errValue.message : undefined) : scalar(errValue);
  return {
    severity: levelKey === undefined ? undefined : canonicalSeverity(get(levelKey)),
    body: [msg, err].filter((p) => p.trim().length > 0).join(': '),
    hasErrorField: err.trim().length > 0 && err !== 'false' && err !== 'null',
  };
}

const JsonLevelKeys = ['level', 'severity', 'lvl', 'log.level', 'levelname', 'loglevel'];

function parseJson(s: string): ParsedLine | undefined {
  if (s.length > MaxJsonChars || !s.startsWith('{') || !s.endsWith('}')) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const rec: Record<string, unknown> = { ...obj };
  const log = rec.log;
  const nestedLevel: unknown = typeof log === 'object' && log !== null && 'level' in log ? log.level : undefined;
  const get = (k: string): unknown => (Object.hasOwn(rec, k) ? rec[k] : k === 'log.level' ? nestedLevel : undefined);
  return structured(get, JsonLevelKeys);
}

function parseLogfmt(s: string): ParsedLine | undefined {
  if (!/^[\w.@-]{1,64}=/.test(s)) return undefined;
  const fields = new Map<string, string>();
  LogfmtPair.lastIndex = 0;
  while (LogfmtPair.lastIndex < s.length) {
    const m = LogfmtPair.exec(s);
    if (!m) return undefined;
    const raw = m[2] ?? '';
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    const key = (m[1] ?? '').toLowerCase();
    if (!fields.has(key)) fields.set(key, value);
  }
  if (fields.size < 2 || !['level', 'lvl', 'severity', 'msg', 'message'].some((k) => fields.has(k))) return undefined;
  return structured((k) => fields.get(k), ['level', 'lvl', 'severity']);
}

function parseText(s: string): ParsedLine {
  const klog = Klog.exec(s);
  if (klog) return { severity: KlogSeverities[klog[1] ?? ''], body: s.slice(klog[0].length), hasErrorField: false };
  const level = BracketLevel.exec(s) ?? BareLevel.exec(s);
  if (!level) return { severity: undefined, body: s, hasErrorField: false };
  return { severity: canonicalSeverity(level[1]), body: stripTimestamp(s.slice(level[0].length)), hasErrorField: false };
}

function parseLine(line: string): ParsedLine {
  const s = stripTimestamp(stripTransport(typeof line === 'string' ? line : '').trim());
  return parseJson(s) ?? parseLogfmt(s) ?? parseText(s);
}

function isErrorParsed(p: ParsedLine): boolean {
  if (p.severity !== undefined) return ErrorSeverities.has(p.severity);
  return p.hasErrorField || ErrorKeyword.test(p.body);
}

function normaliseParsed(p: ParsedLine): string {
  const text = p.severity === undefined ? p.body : `${p.severity} ${p.body}`;
  return redactText(text, { maxLength: MaxNormalisedLength });
}

/** Error / exception / fatal / panic; for structured (JSON, logfmt) or levelled lines, the level decides. */
export function isErrorLine(line: string): boolean {
  return isErrorParsed(parseLine(line));
}

/** Prefix-free, redacted, at most 200 characters: `ERROR connect ECONNREFUSED <ip>:<port>`. */
export function normaliseLogLine(line: string): string {
  return normaliseParsed(parseLine(line));
}

// -------------------------------------------------------------------------------------- stack traces

const FrameLines: readonly RegExp[] = [
  /^\s+at\s/, // Java, Node
  /^\s+\.\.\.\s\d+\s(?:more|common frames omitted)/, // Java
  /^\s*Caused by:/, // Java
  /^\s+Suppressed:/, // Java
  /^\s*Traceback\b/, // Python
  /^\s+File\s/, // Python
  /^\s*During handling of the above exception/, // Python
  /^\s*The above exception was the direct cause/, // Python
  /^goroutine\s\d+\s\[/, // Go
  /^\[signal\s/, // Go
];
/** Inside a goroutine dump: `main.main()`, `net/http.(*conn).serve(0xc000...)`, `created by ...`. */
const GoFrame = /^(?:created by\s|[^\s(]+\(.*\)$)/;
/** Logback / log4j print the exception class on its own line after the message. */
const QualifiedException = /^(?:[a-zA-Z_$][\w$]*\.)+[\w$]*(?:Exception|Error|Throwable)\b/;

type TraceMode = 'none' | 'python' | 'go';

function clampCount(value: number | undefined, fallback: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
  return Math.min(n, max);
}

/**
 * Groups error lines by normalised signature. Stack-trace continuation lines attach to the error before them
 * (and are not counted); a Python traceback's final exception line belongs to the open error, or starts one
 * when the traceback had none.
 */
export function extractErrorSignatures(lines: readonly string[], opts: ExtractOptions = {}): LogSignatureReport {
  const input = Array.isArray(lines) ? lines : [];
  const maxSignatures = clampCount(opts.maxSignatures, DefaultMaxSignatures, Number.MAX_SAFE_INTEGER);
  const maxExcerpt = clampCount(opts.maxExcerptLines, DefaultMaxExcerptLines, MaxExcerptLines);
  const groups = new Map<string, LogSignature>();
  const recent: string[] = [];
  let errorLines = 0;
  let untracked = false;
  let open = false;
  let mode: TraceMode = 'none';

  const record = (index: number, parsed: ParsedLine): void => {
    const signature = normaliseParsed(parsed);
    errorLines += 1;
    const group = groups.get(signature);
    if (group) group.count += 1;
    else if (groups.size < MaxTrackedSignatures) groups.set(signature, { signature, count: 1, firstSeenIndex: index });
    else untracked = true;
    if (maxExcerpt > 0) {
      recent.push(signature);
      if (recent.length > maxExcerpt) recent.shift();
    }
    open = true;
  };

  input.forEach((raw, index) => {
    const line = typeof raw === 'string' ? raw : '';
    const payload = stripTransport(line);
    if (payload.trim() === '') return; // blank lines neither open nor close a block
    const continuation =
      FrameLines.some((re) => re.test(payload)) ||
      (mode === 'go' && GoFrame.test(payload)) ||
      ((open || mode !== 'none') && /^\s/.test(payload)) ||
      (open && QualifiedException.test(payload));
    if (continuation) {
      if (/^\s*Traceback\b/.test(payload)) mode = 'python';
      else if (/^goroutine\s/.test(payload)) mode = 'go';
      return;
    }
    const endsTraceback = mode === 'python';
    mode = 'none';
    if (endsTraceback && open) return; // "ValueError: ..." closing a traceback of the open error
    const parsed = parseLine(line);
    if (endsTraceback || isErrorParsed(parsed)) record(index, parsed);
    else open = false;
  });

  const signatures = [...groups.values()].sort((a, b) => b.count - a.count || a.firstSeenIndex - b.firstSeenIndex);
  return {
    linesScanned: input.length,
    errorLines,
    signatures: signatures.slice(0, maxSignatures),
    excerpt: recent,
    truncated: untracked || signatures.length > maxSignatures,
  };
}

/** `'ECONNREFUSED <ip>:<port>' x96; 'FATAL cannot connect' x3; +2 more` (empty when there is nothing). */
export function summariseSignatures(report: LogSignatureReport, max = 2): string {
  const signatures = Array.isArray(report?.signatures) ? report.signatures : [];
  const shown = signatures.slice(0, clampCount(max, 2, signatures.length));
  // Signatures are redacted already; redacting again is idempotent and guards hand-built reports.
  const parts = shown.map((s) => `'${redactText(String(s.signature), { maxLength: MaxNormalisedLength })}' x${s.count}`);
  const rest = signatures.length - shown.length;
  if (rest > 0) parts.push(`+${rest} more`);
  return parts.join('; ');
}
