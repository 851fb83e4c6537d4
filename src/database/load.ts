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
import { BACKEND_START_ISO, redactIdentity } from './session-columns.js';
import { LoadSection, type DatabaseLoadReport, type LoadSectionError, type SessionSummary, type OpenTransaction, type TransactionReport } from '../api/database-evidence.js';

export { LoadSection, type BlockingPair, type ConnectionUsage, type DatabaseLoadReport, type LoadSectionError, type LongRunningQuery, type OldestTransaction, type SessionSummary, type TableScanStats, type OpenTransaction, type TransactionReport } from '../api/database-evidence.js';

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

export { BACKEND_START_ISO } from './session-columns.js';

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

const OPEN_TRANSACTION_COLUMNS = `
       a.pid, a.usename, a.application_name, a.datname, a.state,
       ${secondsSince('a.xact_start')} AS xact_age_seconds,
       CASE WHEN a.state LIKE 'idle in transaction%' THEN ${secondsSince('a.state_change')} END AS idle_seconds,
       (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND l.granted)::int AS locks_held,
       (SELECT count(*) FROM pg_stat_activity w WHERE w.pid <> a.pid AND a.pid = ANY(pg_blocking_pids(w.pid)))::int AS blocking,
       a.query`;

const LONG_TRANSACTIONS_SQL = `
SELECT ${OPEN_TRANSACTION_COLUMNS}
  FROM pg_stat_activity a
 WHERE a.backend_type = 'client backend'
   AND a.pid <> pg_backend_pid()
   AND a.xact_start IS NOT NULL
   AND clock_timestamp() - a.xact_start > make_interval(secs => $1::float8)
 ORDER BY a.xact_start ASC
 LIMIT $2`;

const LOCK_HOLDERS_SQL = `
SELECT ${OPEN_TRANSACTION_COLUMNS}
  FROM pg_stat_activity a
 WHERE a.backend_type = 'client backend'
   AND a.pid <> pg_backend_pid()
   AND a.xact_start IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted AND l.locktype NOT IN ('virtualxid', 'transactionid'))
 ORDER BY a.xact_start ASC
 LIMIT $1`;

const WAITING_SQL = `
SELECT count(*)::int AS waiting FROM pg_stat_activity a
 WHERE a.pid <> pg_backend_pid() AND cardinality(pg_blocking_pids(a.pid)) > 0`;

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

function openTransaction(r: Row): OpenTransaction {
  return {
    pid: num(r['pid']) ?? 0,
    user: redactIdentity(r['usename']),
    application: redactIdentity(r['application_name']),
    database: str(r['datname']),
    state: str(r['state']),
    transactionAgeSeconds: round(num(r['xact_age_seconds'])) ?? 0,
    idleSeconds: round(num(r['idle_seconds'])),
    locksHeld: num(r['locks_held']) ?? 0,
    blocking: num(r['blocking']) ?? 0,
    fingerprint: fingerprintOf(r['query']),
  };
}

/**
 * Long transactions, lock holders and the number of sessions waiting for locks. Fails soft like the other
 * sections (errors recorded under `oldestTransaction`).
 */
export async function diagnoseTransactions(client: pg.ClientBase, opts: DatabaseLoadOptions = {}): Promise<{ report: TransactionReport; errors: LoadSectionError[] }> {
  const threshold = opts.longQueryThresholdSeconds ?? 300;
  const max = opts.maxQueries ?? 10;
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const report: TransactionReport = { longTransactions: [], lockHolders: [], waitingForLocks: 0 };
  const errors: LoadSectionError[] = [];
  const run = async (sql: string, params: unknown[], use: (rows: Row[]) => void): Promise<void> => {
    try {
      use(await runReadOnly(client, sql, params, timeoutMs));
    } catch (err) {
      errors.push({ section: LoadSection.OldestTransaction, ...sqlErrorSummary(err) });
    }
  };
  await run(LONG_TRANSACTIONS_SQL, [threshold, max], (rows) => { report.longTransactions = rows.map(openTransaction); });
  await run(LOCK_HOLDERS_SQL, [Math.min(max, 5)], (rows) => { report.lockHolders = rows.map(openTransaction); });
  await run(WAITING_SQL, [], (rows) => { report.waitingForLocks = num(rows[0]?.['waiting']) ?? 0; });
  return { report, errors };
}

function summary(row: Row, prefix: string): SessionSummary {
  return {
    pid: num(row[`${prefix}_pid`]) ?? num(row['blocking_pid_raw']) ?? 0,
    user: redactIdentity(row[`${prefix}_user`]),
    application: redactIdentity(row[`${prefix}_application`]),
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
      user: redactIdentity(r['usename']),
      database: str(r['datname']),
      application: redactIdentity(r['application_name']),
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
      for (const [state, n] of Object.entries(raw)) byState[state] = num(n) ?? 0;
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
        : { pid: num(r['pid']) ?? 0, user: redactIdentity(r['usename']), state: str(r['state']), ageSeconds: round(num(r['age_seconds'])) ?? 0, fingerprint: fingerprintOf(r['query']) };
  });

  const transactions = await diagnoseTransactions(client, opts);
  report.transactions = transactions.report;
  report.errors.push(...transactions.errors);

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
