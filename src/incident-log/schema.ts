/**
 * SQL of the durable incident log. Identifiers are validated and quoted; every value is a bind parameter
 * (no SQL literals built from data). Two tables in one schema (default `incident_log`):
 *
 *   timeline_entries: one row per Incident timeline entry, PRIMARY KEY (incident_uid, seq), insert-only;
 *   incidents:        one row per Incident (summary, post-mortem due time), upserted, never moved backwards.
 */
import type { SummaryRow, TimelineRow } from './log-entries.js';

export const DefaultSchema = 'incident_log';
export const EntriesTable = 'timeline_entries';
export const IncidentsTable = 'incidents';
export const PostmortemsTable = 'postmortems';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export class SchemaNameError extends Error {
  override readonly name = 'SchemaNameError';
  constructor() {
    super('incident log schema: expected a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)');
  }
}

/** Validates a schema name (lower-case identifier, not a pg_ system schema). */
export function validateSchemaName(name: string): string {
  if (!IDENTIFIER.test(name) || name.startsWith('pg_')) throw new SchemaNameError();
  return name;
}

const q = (ident: string): string => `"${ident}"`;

export interface LogTables {
  schema: string;
  /** `"schema"."timeline_entries"` */
  entries: string;
  /** `"schema"."incidents"` */
  incidents: string;
  /** `"schema"."postmortems"`: the post-mortem draft of each resolved P0/P1 incident. */
  postmortems: string;
}

export function logTables(schema: string = DefaultSchema): LogTables {
  const s = validateSchemaName(schema);
  return { schema: s, entries: `${q(s)}.${q(EntriesTable)}`, incidents: `${q(s)}.${q(IncidentsTable)}`, postmortems: `${q(s)}.${q(PostmortemsTable)}` };
}

/** Does the schema exist? ($1 = schema name) */
export const SchemaExistsSql = 'SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1';

export function createSchemaSql(t: LogTables): string {
  return `CREATE SCHEMA IF NOT EXISTS ${q(t.schema)}`;
}

/** Idempotent DDL, run once per connection lifetime of the writer before the first write. */
export function createTablesSql(t: LogTables): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${t.entries} (
      incident_uid text NOT NULL,
      seq bigint NOT NULL CHECK (seq >= 0),
      namespace text NOT NULL,
      name text NOT NULL,
      severity text NOT NULL,
      runbook text,
      target text,
      "time" timestamptz,
      phase text,
      type text NOT NULL,
      reason text,
      message text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (incident_uid, seq)
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.incidents} (
      incident_uid text PRIMARY KEY,
      namespace text NOT NULL,
      name text NOT NULL,
      severity text NOT NULL,
      runbook text,
      target text,
      phase text,
      phase_reason text,
      opened_at timestamptz,
      acknowledged_at timestamptz,
      resolved_at timestamptz,
      postmortem_due_at timestamptz,
      timeline_total bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS incidents_postmortem_due_idx ON ${t.incidents} (postmortem_due_at) WHERE postmortem_due_at IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS ${t.postmortems} (
      incident_uid text PRIMARY KEY,
      namespace text NOT NULL,
      name text NOT NULL,
      severity text NOT NULL,
      resolved_at timestamptz NOT NULL,
      markdown text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

const ENTRY_COLUMNS = ['incident_uid', 'seq', 'namespace', 'name', 'severity', 'runbook', 'target', '"time"', 'phase', 'type', 'reason', 'message'] as const;

/** Highest seq already stored for an incident ($1 = uid): detects entries dropped from status before logging. */
export function maxSeqSql(t: LogTables): string {
  return `SELECT max(seq) AS max_seq FROM ${t.entries} WHERE incident_uid = $1`;
}

/** Multi-row insert of timeline rows; existing (incident_uid, seq) rows are left untouched. */
export function insertEntries(t: LogTables, rows: readonly TimelineRow[]): { text: string; values: unknown[] } {
  if (rows.length === 0) throw new RangeError('insertEntries: no rows');
  const values: unknown[] = [];
  const tuples = rows.map((r) => {
    const base = values.length;
    values.push(r.incidentUid, r.seq, r.namespace, r.name, r.severity, r.runbook, r.target, r.time, r.phase, r.type, r.reason, r.message);
    return `(${ENTRY_COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO ${t.entries} (${ENTRY_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (incident_uid, seq) DO NOTHING`,
    values,
  };
}

const SUMMARY_COLUMNS = [
  'incident_uid', 'namespace', 'name', 'severity', 'runbook', 'target', 'phase', 'phase_reason',
  'opened_at', 'acknowledged_at', 'resolved_at', 'postmortem_due_at', 'timeline_total',
] as const;

/** Upsert of the summary row; an older state (smaller timeline_total) never overwrites a newer one. */
export function upsertSummary(t: LogTables, r: SummaryRow): { text: string; values: unknown[] } {
  const values: unknown[] = [
    r.incidentUid, r.namespace, r.name, r.severity, r.runbook, r.target, r.phase, r.phaseReason,
    r.openedAt, r.acknowledgedAt, r.resolvedAt, r.postmortemDueAt, r.timelineTotal,
  ];
  const updates = SUMMARY_COLUMNS.slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  return {
    text: `INSERT INTO ${t.incidents} AS cur (${SUMMARY_COLUMNS.join(', ')}, updated_at) `
      + `VALUES (${SUMMARY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, now()) `
      + `ON CONFLICT (incident_uid) DO UPDATE SET ${updates}, updated_at = now() `
      + 'WHERE cur.timeline_total <= EXCLUDED.timeline_total',
    values,
  };
}

/** The post-mortem draft of a resolved P0/P1 incident (PHI-safe Markdown, src/postmortem/). */
export interface PostmortemRow { incidentUid: string; namespace: string; name: string; severity: string; resolvedAt: string; markdown: string }

/** Upsert of the draft: a later resolution (re-opened and resolved again) replaces it, an older one never does. */
export function upsertPostmortem(t: LogTables, r: PostmortemRow): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO ${t.postmortems} AS cur (incident_uid, namespace, name, severity, resolved_at, markdown, updated_at) `
      + 'VALUES ($1, $2, $3, $4, $5, $6, now()) '
      + 'ON CONFLICT (incident_uid) DO UPDATE SET namespace = EXCLUDED.namespace, name = EXCLUDED.name, severity = EXCLUDED.severity, '
      + 'resolved_at = EXCLUDED.resolved_at, markdown = EXCLUDED.markdown, updated_at = now() WHERE cur.resolved_at <= EXCLUDED.resolved_at',
    values: [r.incidentUid, r.namespace, r.name, r.severity, r.resolvedAt, r.markdown],
  };
}
