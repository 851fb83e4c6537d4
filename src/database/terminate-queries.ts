/**
 * Runbook "Database Performance Issues", step 5 (terminate long-running queries), made safe:
 *  - listTerminationCandidates() reads sessions with their role attributes; src/decide/query-termination.ts decides;
 *  - terminateSession() re-checks pid AND backend_start (and that the session is still an eligible, non-idle
 *    client backend of a non-superuser, non-replication role) in the same statement that signals it, so a pid
 *    reused by a new session, or a session that became ineligible meanwhile, is never hit.
 *
 * Needs pg_signal_backend (to signal other non-superuser roles) and pg_monitor (to see them). PostgreSQL itself
 * refuses to let a non-superuser terminate superuser sessions.
 */
import type pg from 'pg';
import { CLIENT_BACKEND, type SessionInfo } from '../decide/query-termination.js';
import { fingerprintSql } from '../redact/sql-fingerprint.js';
import { BACKEND_START_ISO } from './load.js';
import { runReadOnly, sqlErrorSummary } from './read-only.js';

export interface CandidateQueryOptions {
  /** Only sessions whose current statement started longer ago than this. Default 0 (all non-idle). */
  thresholdSeconds?: number;
  /** Cap on rows returned, oldest first. Default 100. */
  limit?: number;
  statementTimeoutMs?: number;
}

export interface TerminationCandidates {
  /** pg_backend_pid() of `client`: pass it as policy.ownPid. */
  ownPid: number;
  sessions: SessionInfo[];
}

const CANDIDATES_SQL = `
SELECT a.pid, a.backend_type, a.usename, a.datname, a.application_name, a.state,
       EXTRACT(EPOCH FROM (clock_timestamp() - a.query_start))::float8 AS duration_seconds,
       EXTRACT(EPOCH FROM (clock_timestamp() - a.xact_start))::float8 AS xact_age_seconds,
       ${BACKEND_START_ISO.replace('%s', 'a.backend_start')} AS backend_start,
       r.rolsuper, r.rolreplication, a.query,
       pg_backend_pid() AS own_pid
  FROM pg_stat_activity a
  LEFT JOIN pg_roles r ON r.oid = a.usesysid
 WHERE a.backend_type = '${CLIENT_BACKEND}'
   AND a.state IS DISTINCT FROM 'idle'
   AND a.query_start IS NOT NULL
   AND clock_timestamp() - a.query_start > make_interval(secs => $1::float8)
 ORDER BY a.query_start ASC
 LIMIT $2`;

const OWN_PID_SQL = 'SELECT pg_backend_pid() AS own_pid';

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

function toSession(r: Row): SessionInfo {
  return {
    pid: num(r['pid']) ?? 0,
    backendType: str(r['backend_type']) ?? '',
    backendStart: str(r['backend_start']) ?? '',
    user: str(r['usename']),
    database: str(r['datname']),
    application: str(r['application_name']),
    state: str(r['state']),
    durationSeconds: num(r['duration_seconds']),
    transactionAgeSeconds: num(r['xact_age_seconds']),
    rolsuper: bool(r['rolsuper']),
    rolreplication: bool(r['rolreplication']),
    fingerprint: typeof r['query'] === 'string' ? fingerprintSql(r['query']) : '',
  };
}

/**
 * Client sessions running a statement (state not idle) for longer than `thresholdSeconds`, oldest first, with
 * rolsuper/rolreplication. Superuser/replication sessions are included on purpose so the decision can report them
 * as skipped. Throws on database errors (the caller decides what a failed listing means).
 */
export async function listTerminationCandidates(client: pg.ClientBase, opts: CandidateQueryOptions = {}): Promise<TerminationCandidates> {
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const rows = await runReadOnly(client, CANDIDATES_SQL, [opts.thresholdSeconds ?? 0, opts.limit ?? 100], timeoutMs);
  const ownPid = num(rows[0]?.['own_pid']) ?? num((await runReadOnly(client, OWN_PID_SQL, [], timeoutMs))[0]?.['own_pid']) ?? -1;
  return { ownPid, sessions: rows.map(toSession) };
}

export const TerminationResult = {
  Terminated: 'Terminated',
  /** No session with that pid and backend_start is an eligible client backend any more (ended, reused pid, idle...). */
  NoMatchingSession: 'NoMatchingSession',
  /** The signal was sent but the backend did not exit within waitMs. */
  NotExitedInTime: 'NotExitedInTime',
  PermissionDenied: 'PermissionDenied',
  Error: 'Error',
} as const;
export type TerminationResult = (typeof TerminationResult)[keyof typeof TerminationResult];

export interface TerminateTarget {
  pid: number;
  /** ISO-8601 with microseconds, as listed (SessionInfo.backendStart / LongRunningQuery.backendStart). */
  backendStart: string;
  /** When set, the statement must still have been running this long (re-checked in the same statement). */
  minDurationSeconds?: number;
}

export interface TerminateOptions {
  /** How long pg_terminate_backend waits for the backend to exit. Default 5000. */
  waitMs?: number;
}

export interface TerminationOutcome {
  terminated: boolean;
  reason: TerminationResult;
  /** Redacted detail for errors (SQLSTATE and first message line). */
  message?: string;
}

const TERMINATE_SQL = `
SELECT pg_terminate_backend(a.pid, $4::bigint) AS terminated
  FROM pg_stat_activity a
  JOIN pg_roles r ON r.oid = a.usesysid
 WHERE a.pid = $1::int
   AND a.backend_start = $2::timestamptz
   AND a.backend_type = '${CLIENT_BACKEND}'
   AND a.pid <> pg_backend_pid()
   AND NOT r.rolsuper
   AND NOT r.rolreplication
   AND a.state IS DISTINCT FROM 'idle'
   AND ($3::float8 IS NULL OR clock_timestamp() - a.query_start > make_interval(secs => $3::float8))`;

/** Terminate one session, only if it is still the one that was listed. Never throws. */
export async function terminateSession(client: pg.ClientBase, target: TerminateTarget, opts: TerminateOptions = {}): Promise<TerminationOutcome> {
  const waitMs = Math.max(0, Math.round(opts.waitMs ?? 5000));
  if (!Number.isInteger(target.pid) || target.pid <= 0 || Number.isNaN(Date.parse(target.backendStart))) {
    return { terminated: false, reason: TerminationResult.NoMatchingSession, message: 'invalid pid or backendStart' };
  }
  try {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(waitMs + 5000)]);
      const result = await client.query(TERMINATE_SQL, [target.pid, target.backendStart, target.minDurationSeconds ?? null, waitMs]);
      await client.query('COMMIT');
      const row = result.rows[0] as { terminated?: unknown } | undefined;
      if (row === undefined) return { terminated: false, reason: TerminationResult.NoMatchingSession };
      if (row.terminated === true) return { terminated: true, reason: TerminationResult.Terminated };
      return { terminated: false, reason: TerminationResult.NotExitedInTime };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } catch (err) {
    const summary = sqlErrorSummary(err);
    const reason = summary.code === '42501' ? TerminationResult.PermissionDenied : TerminationResult.Error;
    return { terminated: false, reason, message: summary.code ? `${summary.message} (${summary.code})` : summary.message };
  }
}
