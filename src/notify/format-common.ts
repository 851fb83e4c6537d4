/**
 * Shared, pure helpers for the notification formatters (Slack, PagerDuty, webhook). Every string goes through the
 * one redaction module (`src/redact/phi.ts`), default-deny:
 * - free text (log signatures, metric string values) through `safeText` = `redactText` + a length bound;
 * - `summary` (the Incident's `spec.summary`, written by whoever opened it: a person or an Alertmanager
 *   annotation, plus the operator's diagnosis summary) through `safeSummary`, and the operator-written `reason`,
 *   `ask` and timeline through `safeOperatorText`: both `redactOperatorText`, verbatim only when the default-deny
 *   rules change nothing but short numbers (and, in operator-written text only, its own ISO deadlines), else the
 *   redacted text. `spec.description` is never sent: the body links to the
 *   Incident instead (`links.incident`), where readers with access to the cluster find it;
 * - identifiers (incident name / uid, namespace, target, phase, tier name, metric keys) through `safeIdent`:
 *   kept verbatim (so the reader can find the object) unless the redactor detects PHI or a secret in them.
 *   Alert-opened Incidents are named from a hash (`src/intake/alertmanager.ts`), never from label text.
 */
import { Placeholder, redactOperatorText, redactText } from '../redact/phi.js';
import type { LogSignature, NotificationEvent, NotificationImpact, NotificationLinks } from './types.js';

export const Ellipsis = '…';

/** Limits applied to lists so that a body stays small whatever the incident history looks like. */
export const MaxActions = 20;
export const MaxLogSignatures = 10;
export const MaxMetrics = 20;

/** Placeholders that mean "this string carried PHI or a secret". */
export const PhiPlaceholders: readonly string[] = [
  Placeholder.Email,
  Placeholder.Ssn,
  Placeholder.Phone,
  Placeholder.Pii,
  Placeholder.Secret,
  Placeholder.Credentials,
  Placeholder.Iban,
  Placeholder.Card,
  Placeholder.Mac,
];
/** Stricter set for links and error strings: also identifiers such as `MRN: 4455667` or `patient_id=42`. */
export const StrictPhiPlaceholders: readonly string[] = [...PhiPlaceholders, Placeholder.Id];

export const SeverityDescriptions: Readonly<Record<NotificationEvent['severity'], string>> = {
  P0: 'critical - service down for all users',
  P1: 'high - major functionality impaired',
  P2: 'medium - non-critical function degraded',
  P3: 'low - minor issue',
};

export const KindTitles: Readonly<Record<NotificationEvent['kind'], string>> = {
  opened: 'Incident opened',
  escalated: 'Incident escalated',
  'phase-changed': 'Incident phase changed',
  acknowledged: 'Incident acknowledged',
  resolved: 'Incident resolved',
  'postmortem-reminder': 'Post-mortem due',
};

/** Truncates to at most `max` UTF-16 code units without splitting a surrogate pair; appends an ellipsis. */
export function truncate(input: string, max: number): string {
  if (max <= 0) return '';
  if (input.length <= max) return input;
  let cut = max - Ellipsis.length;
  if (cut <= 0) return Ellipsis.slice(0, max);
  const code = input.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // do not keep half of a surrogate pair
  return input.slice(0, cut) + Ellipsis;
}

function asString(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input === undefined || input === null) return '';
  if (typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint') return String(input);
  return JSON.stringify(input) ?? '';
}

/**
 * Free text: redacted by `redactText` (which bounds its own scan window and drops a token cut by it), then
 * bounded again here in case the redactor's limit semantics ever change.
 */
export function safeText(input: unknown, maxLength: number): string {
  const text = asString(input);
  if (text === '' || maxLength <= 0) return '';
  return truncate(redactText(text, { maxLength }), maxLength);
}

/** True when the redactor finds PHI or a secret (one of `placeholders`) in `text`. */
export function hasPhi(text: string, placeholders: readonly string[] = PhiPlaceholders): boolean {
  if (text === '') return false;
  const redacted = redactText(text, { maxLength: text.length + 64 });
  return placeholders.some((p) => redacted.includes(p) && !text.includes(p));
}

function cleanControl(input: unknown): string {
  return asString(input)
    .replace(/[\u0000-\u001f\u007f-\u009f]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Identifiers: control characters removed, bounded; redacted only if they carry PHI or a secret. */
export function safeIdent(input: unknown, maxLength: number): string {
  const text = cleanControl(input);
  if (hasPhi(text)) return safeText(text, maxLength);
  return truncate(text, maxLength);
}

/** Operator-written sentences (`reason`, `ask`, timeline): see the file comment; their deadlines stay readable. */
export function safeOperatorText(input: unknown, maxLength: number): string {
  const text = cleanControl(input);
  if (text === '' || maxLength <= 0) return '';
  return truncate(redactOperatorText(text, { maxLength, keepTimestamps: true }), maxLength);
}

/** `summary` (`spec.summary`, written by a person or an alert annotation, plus the diagnosis summary). */
export function safeSummary(input: unknown, maxLength: number): string {
  const text = cleanControl(input);
  if (text === '' || maxLength <= 0) return '';
  return truncate(redactOperatorText(text, { maxLength }), maxLength);
}

/** "1h 05m", "12m 03s", "45s". Negative or non-finite input yields "0s". */
export function formatDuration(totalSeconds: number): string {
  const s = Number.isFinite(totalSeconds) && totalSeconds > 0 ? Math.floor(totalSeconds) : 0;
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const seconds = s % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${pad(hours)}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/** Human-readable impact line, e.g. "2/5 replicas available (3 missing); open for 12m 03s". */
export function describeImpact(impact: NotificationImpact): string {
  const parts: string[] = [];
  const { replicasAvailable, replicasDesired } = impact;
  if (isCount(replicasAvailable) && isCount(replicasDesired)) {
    const missing = Math.max(0, replicasDesired - replicasAvailable);
    parts.push(
      `${replicasAvailable}/${replicasDesired} replicas available` + (missing > 0 ? ` (${missing} missing)` : ''),
    );
  } else if (isCount(replicasAvailable)) {
    parts.push(`${replicasAvailable} replicas available`);
  } else if (isCount(replicasDesired)) {
    parts.push(`${replicasDesired} replicas desired`);
  }
  parts.push(`open for ${formatDuration(impact.openForSeconds)}`);
  return parts.join('; ');
}

/** Structured impact for machine consumers (PagerDuty custom_details, webhook). */
export interface ImpactDetails {
  text: string;
  replicasAvailable?: number;
  replicasDesired?: number;
  openForSeconds: number;
}

export function impactDetails(impact: NotificationImpact): ImpactDetails {
  const out: ImpactDetails = {
    text: describeImpact(impact),
    openForSeconds: isCount(impact.openForSeconds) ? Math.floor(impact.openForSeconds) : 0,
  };
  if (isCount(impact.replicasAvailable)) out.replicasAvailable = impact.replicasAvailable;
  if (isCount(impact.replicasDesired)) out.replicasDesired = impact.replicasDesired;
  return out;
}

/** "ns/deployment" or "ns/incident-name" when there is no target. */
export function targetRef(ev: NotificationEvent): string {
  return `${safeIdent(ev.namespace, 63)}/${safeIdent(ev.target ?? ev.incidentName, 253)}`;
}

/** One-paragraph description of the issue (runbook: "detailed description of the issue"). */
export function describeIncident(ev: NotificationEvent): string {
  const target = ev.target ? ` affecting ${safeIdent(ev.target, 253)}` : '';
  return truncate(
    `${ev.severity} (${SeverityDescriptions[ev.severity]}) incident ${safeIdent(ev.incidentName, 253)} ` +
      `in namespace ${safeIdent(ev.namespace, 63)}${target}, phase ${safeIdent(ev.phase, 63)}, ` +
      `escalation tier ${ev.tier} (${safeIdent(ev.tierName, 80)}): ${safeSummary(ev.summary, 500)}`,
    1000,
  );
}

/** Redacted, bounded timeline (keeps the most recent entries; notes how many were left out). */
export function boundedActions(actions: readonly string[], max = MaxActions, maxLength = 300): string[] {
  const cleaned = actions.map((a) => safeOperatorText(a, maxLength)).filter((a) => a.length > 0);
  if (cleaned.length <= max) return cleaned;
  const kept = cleaned.slice(cleaned.length - (max - 1));
  return [`(${cleaned.length - kept.length} earlier steps omitted)`, ...kept];
}

/** Redacted log signatures, most frequent first. */
export function boundedSignatures(
  signatures: readonly LogSignature[],
  max = MaxLogSignatures,
  maxLength = 200,
): LogSignature[] {
  return signatures
    .map((s) => ({ signature: safeText(s.signature, maxLength), count: isCount(s.count) ? Math.floor(s.count) : 0 }))
    .filter((s) => s.signature.length > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, max);
}

/** Redacted metrics: keys and string values redacted, numbers kept if finite. Sorted by key. */
export function boundedMetrics(
  metrics: Readonly<Record<string, number | string>>,
  max = MaxMetrics,
): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const keys = Object.keys(metrics).sort();
  let n = 0;
  for (const rawKey of keys) {
    if (n >= max) break;
    const key = safeIdent(rawKey, 64);
    const value = metrics[rawKey];
    if (!key || key === '__proto__' || value === undefined) continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      out[key] = value;
    } else {
      out[key] = safeText(value, 200);
    }
    n += 1;
  }
  return out;
}

/**
 * Only absolute http(s) links without credentials are passed on, and only if neither the path, a query parameter
 * nor the fragment carries PHI (checked per part: the redactor would otherwise blank a whole query string before
 * looking inside it). Such a link is dropped rather than mangled.
 */
export function safeLink(url: string | undefined): string | undefined {
  if (!url || url.length > 2048) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    if (u.username || u.password) return undefined;
    // Path segments one by one: the redactor would otherwise take the path as a whole (`<path>`).
    const location = [u.hostname, ...u.pathname.split('/').map(decodeURIComponent), decodeURIComponent(u.hash.slice(1))];
    if (location.some((part) => hasPhi(part))) return undefined;
    // Query parameters are where searches put user input: labelled ids (patient_id=42) count as PHI too.
    for (const [key, value] of u.searchParams) {
      if (hasPhi(`${key}=${value}`, StrictPhiPlaceholders) || hasPhi(value, StrictPhiPlaceholders)) return undefined;
    }
    return u.toString();
  } catch {
    return undefined;
  }
}

export interface NamedLink {
  label: string;
  href: string;
}

const LinkLabels: Readonly<Record<keyof NotificationLinks, string>> = {
  incident: 'Incident',
  runbook: 'Runbook',
  dashboard: 'Dashboard',
  logs: 'Logs',
};

export function safeLinks(links: NotificationLinks | undefined): NamedLink[] {
  if (!links) return [];
  const out: NamedLink[] = [];
  const keys: readonly (keyof NotificationLinks)[] = ['incident', 'runbook', 'dashboard', 'logs'];
  for (const key of keys) {
    const href = safeLink(links[key]);
    if (href) out.push({ label: LinkLabels[key], href });
  }
  return out;
}
