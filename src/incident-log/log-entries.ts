/**
 * Pure mapping from an Incident (as written to the API server) to the rows of the durable incident log:
 * one row per timeline entry, keyed by (incident uid, seq), and one summary row per incident.
 *
 * `seq` is the entry's absolute 0-based index over the incident's whole life: status.timeline keeps only the
 * newest entries (src/decide/status-ops.ts) while status.timelineTotal counts all of them, so the entry at
 * position i of a timeline of length L has seq = total - L + i. The same entry therefore gets the same seq in
 * every later status, which makes `INSERT ... ON CONFLICT DO NOTHING` idempotent across restarts.
 *
 * Messages are copied as-is: the operator only writes PHI-safe text into status (its own templates, redacted
 * diagnosis summaries, Kubernetes names), and redactText() would destroy useful numbers ("revision 6").
 * No I/O, no clock, no pg or Kubernetes imports.
 */
import type { Incident, Severity, TimelineEntry } from '../api/incident.js';
import { postmortemMarkdown } from '../postmortem/markdown.js';
import { postmortemModel } from '../postmortem/model.js';
import type { PostmortemRow } from './schema.js';

/** The runbook: schedule a post-mortem within 48 hours of resolving a P0/P1 incident. */
export const PostmortemDueHours = 48;
export const PostmortemSeverities: readonly Severity[] = ['P0', 'P1'];

export interface TimelineRow {
  incidentUid: string;
  seq: number;
  namespace: string;
  name: string;
  severity: string;
  runbook: string | null;
  target: string | null;
  /** ISO-8601 UTC, or null when the entry's time is not a valid timestamp. */
  time: string | null;
  phase: string | null;
  type: string;
  reason: string | null;
  message: string;
}

export interface SummaryRow {
  incidentUid: string;
  namespace: string;
  name: string;
  severity: string;
  runbook: string | null;
  target: string | null;
  phase: string | null;
  phaseReason: string | null;
  openedAt: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  postmortemDueAt: string | null;
  /** status.timelineTotal: grows with every entry, so it orders the states of one incident. */
  timelineTotal: number;
}

export interface IncidentLogRecord {
  incidentUid: string;
  /** Ordered by seq, ascending. */
  entries: TimelineRow[];
  summary: SummaryRow;
  /** The post-mortem draft, for a resolved P0/P1 incident. */
  postmortem?: PostmortemRow;
}

/**
 * seq of the first entry of a bounded timeline of `length` entries when `total` entries were ever appended.
 * A missing or inconsistent total (smaller than the visible timeline) counts the visible entries only.
 */
export function firstSeq(total: number | undefined, length: number): number {
  const t = typeof total === 'number' && Number.isInteger(total) && total >= length ? total : length;
  return t - length;
}

/** ISO-8601 UTC for a valid timestamp, else null. */
export function isoOrNull(v: string | undefined | null): string | null {
  if (!v) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** resolvedAt + 48 h for P0/P1 incidents that are resolved, else null. */
export function postmortemDueAt(severity: string | undefined, resolvedAt: string | undefined | null): string | null {
  if (!severity || !(PostmortemSeverities as readonly string[]).includes(severity)) return null;
  const resolved = isoOrNull(resolvedAt);
  if (resolved === null) return null;
  return new Date(Date.parse(resolved) + PostmortemDueHours * 3_600_000).toISOString();
}

const orNull = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/** The timeline rows of an incident (empty without uid or timeline). */
export function timelineRows(incident: Incident): TimelineRow[] {
  const uid = incident.metadata.uid;
  const timeline: readonly TimelineEntry[] = incident.status?.timeline ?? [];
  if (!uid || timeline.length === 0) return [];
  const start = firstSeq(incident.status?.timelineTotal, timeline.length);
  const common = identityOf(incident, uid);
  return timeline.map((e, i) => ({
    ...common,
    seq: start + i,
    time: isoOrNull(e.time),
    phase: orNull(e.phase),
    type: e.type,
    reason: orNull(e.reason),
    message: e.message,
  }));
}

/** The columns every row of an incident repeats. */
function identityOf(incident: Incident, uid: string) {
  return {
    incidentUid: uid,
    namespace: incident.metadata.namespace,
    name: incident.metadata.name,
    severity: incident.spec.severity,
    runbook: orNull(incident.spec.runbook),
    target: orNull(incident.spec.target?.name),
  };
}

/** The summary row of an incident, or undefined without uid. */
export function summaryRow(incident: Incident): SummaryRow | undefined {
  const uid = incident.metadata.uid;
  if (!uid) return undefined;
  const s = incident.status ?? {};
  const visible = s.timeline?.length ?? 0;
  return {
    ...identityOf(incident, uid),
    phase: orNull(s.phase),
    phaseReason: orNull(s.phaseReason),
    openedAt: isoOrNull(s.openedAt),
    acknowledgedAt: isoOrNull(s.acknowledgedAt),
    resolvedAt: isoOrNull(s.resolvedAt),
    postmortemDueAt: postmortemDueAt(incident.spec.severity, s.resolvedAt),
    timelineTotal: firstSeq(s.timelineTotal, visible) + visible,
  };
}

/** Everything the log stores for one state of an incident; undefined when it has no uid (cannot be keyed). */
export function incidentLogRecord(incident: Incident): IncidentLogRecord | undefined {
  const summary = summaryRow(incident);
  if (!summary) return undefined;
  const postmortem = postmortemRow(incident, summary);
  return { incidentUid: summary.incidentUid, entries: timelineRows(incident), summary, ...(postmortem ? { postmortem } : {}) };
}

/** The draft of a resolved P0/P1 incident, as of its resolution (deterministic: the same state, the same text). */
function postmortemRow(incident: Incident, summary: SummaryRow): PostmortemRow | undefined {
  if (summary.phase !== 'Resolved' || !summary.resolvedAt || !summary.postmortemDueAt) return undefined;
  return {
    incidentUid: summary.incidentUid, namespace: summary.namespace, name: summary.name, severity: summary.severity, resolvedAt: summary.resolvedAt,
    markdown: postmortemMarkdown(postmortemModel(incident, new Date(summary.resolvedAt))),
  };
}
