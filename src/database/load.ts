/**
 * Runbook "Database Performance Issues", steps 1, 2 and 4, read-only: long-running queries, blocked/blocking
 * pairs, connection use vs max_connections, the oldest open transaction, and tables read mostly by sequential scans.
 *
 * Query text never leaves this module raw: only fingerprintSql() of it (pg_stat_activity.query carries literal
 * values, which can be patient data). Each section runs in its own short read-only transaction with a
 * statement_timeout and fails soft: its error is recorded and the other sections still run.
 *
 * Needs pg_monitor (or pg_read_all_stats): without it other roles' state, query and timings read as NULL.
 * The client must not be inside a transaction of its own.
 */
import type pg from 'pg';
import { fingerprintSql } from '../redact/sql-fingerprint.js';
import { runReadOnly, sqlErrorSummary } from './read-only.js';

export interface DatabaseLoadOptions {
  /** Queries running longer than this (by query_start) are reported. Default 300 (runbook: 5 minutes). */
  longQueryThresholdSeconds?: number;
  /** Cap on long-running queries and on blocked/blocking pairs reported. Default 10. */
  maxQueries?: number;
  /** Cap on tables reported. Default 5. */
  maxTables?: number;
  /** statement_timeout of each section's query. Default 5000. */
  statementTimeoutMs?: number;
}

export interface LongRunningQuery {
  pid: number;
  user: string | null;
  database: string | null;
  application: string | null;
  state: string | null;
  durationSeconds: number;
  transactionAgeSeconds: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  /** ISO-8601 UTC with microseconds (pass it to terminateSession as is). */
  backendStart: string;
  fingerprint: string;
}

export interface SessionSummary {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  backendType: string | null;
  durationSeconds: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  backendStart: string | null;
  fingerprint: string;
}

export interface BlockingPair {
  blocked: SessionSummary;
  blocking: SessionSummary;
}

export interface ConnectionUsage {
  /** Client backends, all databases. */
  used: number;
  maxConnections: number;
  superuserReservedConnections: number;
  /** used / (maxConnections - superuserReservedConnections), 0..1+. */
  utilization: number;
  /** Client backends by state ('active', 'idle', 'idle in transaction', ...; 'unknown' when hidden). */
  byState: Record<string, number>;
}

export interface OldestTransaction {
  pid: number;
  user: string | null;
  state: string | null;
  ageSeconds: number;
  fingerprint: string;
}

export interface TableScanStats {
  schema: string;
  table: string;
  seqScan: number;
  seqTupRead: number;
  idxScan: number | null;
  liveTuples: number;
}

export const LoadSection = {
  LongRunningQueries: 'longRunningQueries',
  Blocking: 'blocking',
  Connections: 'connections',
  OldestTransaction: 'oldestTransaction',
  TableScans: 'tableScans',
} as const;
export type LoadSection = (typeof LoadSection)[keyof typeof LoadSection];

export interface LoadSectionError {
  section: LoadSection;
  /** SQLSTATE or node error code when known. */
  code?: string;
  message: string;
}

export interface DatabaseLoadReport {
  longQueryThresholdSeconds: number;
  longRunningQueries: LongRunningQuery[];
  blocking: BlockingPair[];
  /** null when the section failed (see errors). */
  connections: ConnectionUsage | null;
  /** null when no other client session has an open transaction, or when the section failed. */
  oldestTransaction: OldestTransaction | null;
  tableScans: TableScanStats[];
  errors: LoadSectionError[];
}

/** backend_start as ISO-8601 UTC with microseconds: exact, so it can be compared again in terminateSession. */
export const BACKEND_START_ISO = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const iso = (column: string): string => BACKEND_START_ISO.replace('%s', column);
const secondsSince = (column: string): string => `EXTRACT(EPOCH FROM (clock_timestamp() - ${column}))::float8`;

const LONG_RUNNING_SQL = `
SELECT a.pid, a.usename, a.datname, a.application_name, a.state,
       ${secondsSince('a.query_start')} AS duration_seconds,
       ${secondsSince('a.xact_start')} AS xact_age_seconds,
       a.wait_event_type, a.wait_event,
       ${iso('a.backend_start')} AS backend_start,
       a.query
  FROM pg_stat_activity a
 WHERE a.backend_type = 'client backend'
   AND a.pid <> pg_backend_pid()
   AND a.state IS DISTINCT FROM 'idle'
   AND a.query_start IS NOT NULL
   AND clock_timestamp() - a.query_start > make_interval(secs => $1::float8)
 ORDER BY a.query_start ASC
 LIMIT $2`;

const sessionColumns = (alias: string, prefix: string): string => `
       ${alias}.pid AS ${prefix}_pid, ${alias}.usename AS ${prefix}_user, ${alias}.application_name AS ${prefix}_application,
       ${alias}.state AS ${prefix}_state, ${alias}.backend_type AS ${prefix}_backend_type,
       ${secondsSince(`${alias}.query_start`)} AS ${prefix}_duration_seconds,
       ${alias}.wait_event_type AS ${prefix}_wait_event_type, ${alias}.wait_event AS ${prefix}_wait_event,
       ${iso(`${alias}.backend_start`)} AS ${prefix}_backend_start, ${alias}.query AS ${prefix}_query`;

const BLOCKING_SQL = `
SELECT ${sessionColumns('blocked', 'blocked')},
       b.pid AS blocking_pid_raw, ${sessionColumns('blocker', 'blocking')}
  FROM pg_stat_activity blocked
 CROSS JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid)
  LEFT JOIN pg_stat_activity blocker ON blocker.pid = b.pid
 WHERE blocked.backend_type = 'client backend'
   AND blocked.pid <> pg_backend_pid()
 ORDER BY blocked.query_start ASC NULLS LAST, blocked.pid, b.pid
 LIMIT $1`;

const CONNECTIONS_SQL = `
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS reserved,
       COALESCE((SELECT json_object_agg(s.state, s.n)
                   FROM (SELECT COALESCE(state, 'unknown') AS state, count(*)::int AS n
                           FROM pg_stat_activity
                          WHERE backend_type = 'client backend'
                          GROUP BY 1) s), '{}'::json) AS by_state`;

const OLDEST_TRANSACTION_SQL = `
SELECT a.pid, a.usename, a.state, ${secondsSince('a.xact_start')} AS age_seconds, a.query
  FROM pg_stat_activity a
 WHERE a.backend_type = 'client backend'
   AND a.pid <> pg_backend_pid()
   AND a.xact_start IS NOT NULL
 ORDER BY a.xact_start ASC
 LIMIT 1`;

const TABLE_SCANS_SQL = `
SELECT schemaname, relname, seq_scan::float8 AS seq_scan, seq_tup_read::float8 AS seq_tup_read,
       idx_scan::float8 AS idx_scan, n_live_tup::float8 AS n_live_tup
  FROM pg_stat_user_tables
 WHERE seq_scan > 0
 ORDER BY seq_scan DESC, seq_tup_read DESC, relid
 LIMIT $1`;

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number.isFinite(Number(v)) ? Number(v) : null);
const round = (v: number | null, digits = 3): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
/** Fingerprint a query column; NULL or '<insufficient privilege>' stays recognisable, and no raw text escapes. */
const fingerprintOf = (v: unknown): string => (typeof v === 'string' ? fingerprintSql(v) : '');

function summary(row: Row, prefix: string): SessionSummary {
  return {
    pid: num(row[`${prefix}_pid`]) ?? num(row['blocking_pid_raw']) ?? 0,
    user: str(row[`${prefix}_user`]),
    application: str(row[`${prefix}_application`]),
    state: str(row[`${prefix}_state`]),
    backendType: str(row[`${prefix}_backend_type`]),
    durationSeconds: round(num(row[`${prefix}_duration_seconds`])),
    waitEventType: str(row[`${prefix}_wait_event_type`]),
    waitEvent: str(row[`${prefix}_wait_event`]),
    backendStart: str(row[`${prefix}_backend_start`]),
    fingerprint: fingerprintOf(row[`${prefix}_query`]),
  };
}

export async function diagnoseDatabaseLoad(client: pg.ClientBase, opts: DatabaseLoadOptions = {}): Promise<DatabaseLoadReport> {
  const threshold = opts.longQueryThresholdSeconds ?? 300;
  const maxQueries = opts.maxQueries ?? 10;
  const maxTables = opts.maxTables ?? 5;
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const report: DatabaseLoadReport = {
    longQueryThresholdSeconds: threshold,
    longRunningQueries: [],
    blocking: [],
    connections: null,
    oldestTransaction: null,
    tableScans: [],
    errors: [],
  };

  const section = async (name: LoadSection, sql: string, params: unknown[], use: (rows: Row[]) => void): Promise<void> => {
    try {
      use(await runReadOnly(client, sql, params, timeoutMs));
    } catch (err) {
      report.errors.push({ section: name, ...sqlErrorSummary(err) });
    }
  };

  await section(LoadSection.LongRunningQueries, LONG_RUNNING_SQL, [threshold, maxQueries], (rows) => {
    report.longRunningQueries = rows.map((r) => ({
      pid: num(r['pid']) ?? 0,
      user: str(r['usename']),
      database: str(r['datname']),
      application: str(r['application_name']),
      state: str(r['state']),
      durationSeconds: round(num(r['duration_seconds'])) ?? 0,
      transactionAgeSeconds: round(num(r['xact_age_seconds'])),
      waitEventType: str(r['wait_event_type']),
      waitEvent: str(r['wait_event']),
      backendStart: str(r['backend_start']) ?? '',
      fingerprint: fingerprintOf(r['query']),
    }));
  });

  await section(LoadSection.Blocking, BLOCKING_SQL, [maxQueries], (rows) => {
    report.blocking = rows.map((r) => ({ blocked: summary(r, 'blocked'), blocking: summary(r, 'blocking') }));
  });

  await section(LoadSection.Connections, CONNECTIONS_SQL, [], (rows) => {
    const r = rows[0] ?? {};
    const maxConnections = num(r['max_connections']) ?? 0;
    const reserved = num(r['reserved']) ?? 0;
    const byState: Record<string, number> = {};
    const raw = r['by_state'];
    if (raw !== null && typeof raw === 'object') {
      for (const [state, n] of Object.entries(raw as Record<string, unknown>)) byState[state] = num(n) ?? 0;
    }
    const used = Object.values(byState).reduce((sum, n) => sum + n, 0);
    const usable = Math.max(1, maxConnections - reserved);
    report.connections = { used, maxConnections, superuserReservedConnections: reserved, utilization: round(used / usable) ?? 0, byState };
  });

  await section(LoadSection.OldestTransaction, OLDEST_TRANSACTION_SQL, [], (rows) => {
    const r = rows[0];
    report.oldestTransaction =
      r === undefined
        ? null
        : { pid: num(r['pid']) ?? 0, user: str(r['usename']), state: str(r['state']), ageSeconds: round(num(r['age_seconds'])) ?? 0, fingerprint: fingerprintOf(r['query']) };
  });

  await section(LoadSection.TableScans, TABLE_SCANS_SQL, [maxTables], (rows) => {
    report.tableScans = rows.map((r) => ({
      schema: str(r['schemaname']) ?? '',
      table: str(r['relname']) ?? '',
      seqScan: num(r['seq_scan']) ?? 0,
      seqTupRead: num(r['seq_tup_read']) ?? 0,
      idxScan: num(r['idx_scan']),
      liveTuples: num(r['n_live_tup']) ?? 0,
    }));
  });

  return report;
}
