/**
 * Runbook "Database Performance Issues", step 5 (terminate sessions), made safe:
 *  - listSessions() reads every backend of the server with pg_blocking_pids(), server-computed ages and the
 *    login role's *effective* privilege (pg_has_role(..., 'MEMBER'): direct or transitive membership, i.e.
 *    every role the session could SET ROLE to); user and application_name are redacted here, before they
 *    leave the module. src/decide/query-termination.ts decides.
 *  - terminateSession() re-checks, in the same statement that signals: pid AND backend_start, client backend,
 *    not our own, database in scope, effective privilege, and the reason it was chosen (still a root blocker
 *    with an old enough transaction / still a long runner blocking nobody). A reused pid, or a session that
 *    changed meanwhile, is never hit.
 *
 * Needs pg_signal_backend (to signal other non-superuser roles) and pg_monitor (to see them). PostgreSQL itself
 * refuses to let a non-superuser terminate superuser sessions. Cannot be detected: a SECURITY DEFINER function
 * owned by a privileged role runs with that role's rights inside an ordinary session (see README).
 */
import type pg from 'pg';
import { CLIENT_BACKEND, type SessionInfo } from '../decide/session-eligibility.js';
import { TerminationWhy } from '../decide/query-termination.js';
import { sessionKey } from '../decide/termination-budget.js';
import { fingerprintSql } from '../redact/sql-fingerprint.js';
import { BACKEND_START_ISO, redactIdentity } from './session-columns.js';
import { runReadOnly, sqlErrorSummary } from './read-only.js';

/** Built-in roles whose members are never terminated (see session-eligibility.ts), besides CREATEROLE holders. */
export const PROTECTED_ADMIN_ROLES: readonly string[] = ['pg_signal_backend', 'pg_read_all_stats'];

export interface ListSessionsOptions {
  /** More role names whose (transitive) members are never terminated. */
  protectedRoles?: readonly string[];
  /** Cap on rows returned. Default 2000. */
  limit?: number;
  statementTimeoutMs?: number;
}

export interface SessionListing {
  /** pg_backend_pid() of `client`: the policy's ownPid. */
  ownPid: number;
  sessions: SessionInfo[];
}

const iso = (column: string): string => BACKEND_START_ISO.replace('%s', column);
const secondsSince = (column: string): string => `EXTRACT(EPOCH FROM (clock_timestamp() - ${column}))::float8`;
/** Is role `roleExpr` a (transitive) member of any role matching `where` (over pg_roles p)? */
const memberOfAny = (roleExpr: string, where: string): string =>
  `EXISTS (SELECT 1 FROM pg_roles p WHERE (${where}) AND pg_has_role(${roleExpr}, p.oid, 'MEMBER'))`;
/** $1: protected role names (text[]). */
const ADMIN_WHERE = `p.rolcreaterole OR p.rolname = ANY($1::text[])`;

// Effective privilege once per distinct login role (a few), not once per session (possibly thousands).
const SESSIONS_SQL = `
WITH activity AS (
  SELECT * FROM pg_stat_activity WHERE backend_start IS NOT NULL ORDER BY backend_start, pid LIMIT $2
), privilege AS (
  SELECT r.oid,
         ${memberOfAny('r.oid', 'p.rolsuper')} AS eff_superuser,
         ${memberOfAny('r.oid', 'p.rolreplication')} AS eff_replication,
         ${memberOfAny('r.oid', ADMIN_WHERE)} AS eff_admin
    FROM pg_roles r
   WHERE r.oid IN (SELECT DISTINCT usesysid FROM activity WHERE usesysid IS NOT NULL)
)
SELECT a.pid, a.backend_type, a.usename, a.datname, a.application_name, a.state,
       ${secondsSince('a.query_start')} AS duration_seconds,
       ${secondsSince('a.xact_start')} AS xact_age_seconds,
       ${secondsSince('a.state_change')} AS state_age_seconds,
       ${iso('a.backend_start')} AS backend_start,
       pg_blocking_pids(a.pid) AS blocked_by,
       v.oid IS NOT NULL AS role_known, v.eff_superuser, v.eff_replication, v.eff_admin,
       a.query,
       pg_backend_pid() AS own_pid
  FROM activity a
  LEFT JOIN privilege v ON v.oid = a.usesysid
 ORDER BY a.backend_start, a.pid`;

const OWN_PID_SQL = 'SELECT pg_backend_pid() AS own_pid';
const SYSTEM_IDENTIFIER_SQL = 'SELECT system_identifier::text AS id FROM pg_control_system()';

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const pids = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number).filter((n) => Number.isInteger(n)) : []);

export function toSessionInfo(r: Row): SessionInfo {
  const superuser = bool(r['eff_superuser']);
  const replication = bool(r['eff_replication']);
  const admin = bool(r['eff_admin']);
  return {
    pid: num(r['pid']) ?? 0,
    backendType: str(r['backend_type']) ?? '',
    backendStart: str(r['backend_start']) ?? '',
    user: redactIdentity(r['usename']),
    database: str(r['datname']),
    application: redactIdentity(r['application_name']),
    state: str(r['state']),
    durationSeconds: num(r['duration_seconds']),
    transactionAgeSeconds: num(r['xact_age_seconds']),
    stateAgeSeconds: num(r['state_age_seconds']),
    blockedBy: pids(r['blocked_by']),
    privilege: r['role_known'] === true && superuser !== null && replication !== null && admin !== null ? { superuser, replication, admin } : null,
    fingerprint: typeof r['query'] === 'string' ? fingerprintSql(r['query']) : '',
  };
}

const protectedList = (extra: readonly string[] | undefined): string[] => [...new Set([...PROTECTED_ADMIN_ROLES, ...(extra ?? [])])];

/**
 * Every backend of the server (all databases, all types: the wait-for graph needs them all), with effective
 * privilege. Throws on database errors (the caller decides what a failed listing means).
 */
export async function listSessions(client: pg.ClientBase, opts: ListSessionsOptions = {}): Promise<SessionListing> {
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const rows = await runReadOnly(client, SESSIONS_SQL, [protectedList(opts.protectedRoles), opts.limit ?? 2000], timeoutMs);
  const ownPid = num(rows[0]?.['own_pid']) ?? num((await runReadOnly(client, OWN_PID_SQL, [], timeoutMs))[0]?.['own_pid']) ?? -1;
  return { ownPid, sessions: rows.map(toSessionInfo) };
}

/**
 * The server's identity for the shared termination budget: its system identifier (pg_control_system(), readable
 * with pg_monitor), else `fallback` (host:port). A streaming replica shares its primary's identifier, so they
 * share one budget: conservative.
 */
export async function serverIdentity(client: pg.ClientBase, fallback: string, statementTimeoutMs = 5000): Promise<string> {
  try {
    const id = str((await runReadOnly(client, SYSTEM_IDENTIFIER_SQL, [], statementTimeoutMs))[0]?.['id']);
    if (id !== null && /^\d{1,20}$/.test(id)) return `pg-system-${id}`;
  } catch {
    // not permitted or not PostgreSQL proper: fall back
  }
  return `pg-address-${fallback}`;
}

export const TerminationResult = {
  Terminated: 'Terminated',
  /** No session with that pid and backend_start qualifies any more (ended, reused pid, no longer blocking...). */
  NoMatchingSession: 'NoMatchingSession',
  /** The signal was sent but the backend did not exit within waitMs. */
  NotExitedInTime: 'NotExitedInTime',
  PermissionDenied: 'PermissionDenied',
  Error: 'Error',
} as const;
export type TerminationResult = (typeof TerminationResult)[keyof typeof TerminationResult];

export interface TerminateTarget {
  pid: number;
  /** ISO-8601 with microseconds, as listed (SessionInfo.backendStart). */
  backendStart: string;
  /** Why it was chosen: re-checked in the same statement. */
  why: TerminationWhy;
  /** RootBlocker: the transaction must be older than this; LongRunner: the statement. */
  thresholdSeconds: number;
  /** Databases in scope. */
  databases: readonly string[];
}

export interface TerminateOptions {
  /** How long pg_terminate_backend waits for the backend to exit. Default 5000. */
  waitMs?: number;
  protectedRoles?: readonly string[];
}

export interface TerminationOutcome {
  terminated: boolean;
  reason: TerminationResult;
  /** Redacted detail for errors (SQLSTATE and first message line). */
  message?: string;
}

// $1 protected roles, $2 pid, $3 backend_start, $4 databases, $5 why, $6 threshold, $7 wait ms
const TERMINATE_SQL = `
SELECT pg_terminate_backend(a.pid, $7::bigint) AS terminated
  FROM pg_stat_activity a
  JOIN pg_roles r ON r.oid = a.usesysid
 WHERE a.pid = $2::int
   AND a.backend_start = $3::timestamptz
   AND a.backend_type = '${CLIENT_BACKEND}'
   AND a.pid <> pg_backend_pid()
   AND a.datname = ANY($4::text[])
   AND NOT ${memberOfAny('r.oid', `p.rolsuper OR p.rolreplication OR ${ADMIN_WHERE}`)}
   AND a.state IS NOT NULL AND a.state <> 'idle'
   AND cardinality(pg_blocking_pids(a.pid)) = 0
   AND CASE $5::text
         WHEN '${TerminationWhy.RootBlocker}' THEN
              clock_timestamp() - COALESCE(a.xact_start, a.state_change, a.query_start) > make_interval(secs => $6::float8)
          AND EXISTS (SELECT 1 FROM pg_stat_activity w WHERE w.pid <> a.pid AND a.pid = ANY(pg_blocking_pids(w.pid)))
         WHEN '${TerminationWhy.LongRunner}' THEN
              a.state IN ('active', 'fastpath function call')
          AND clock_timestamp() - a.query_start > make_interval(secs => $6::float8)
         ELSE false
       END`;

/** Terminate one session, only if it is still the one that was listed and still qualifies. Never throws. */
export async function terminateSession(client: pg.ClientBase, target: TerminateTarget, opts: TerminateOptions = {}): Promise<TerminationOutcome> {
  const waitMs = Math.max(0, Math.round(opts.waitMs ?? 5000));
  if (!Number.isInteger(target.pid) || target.pid <= 0 || Number.isNaN(Date.parse(target.backendStart))) {
    return { terminated: false, reason: TerminationResult.NoMatchingSession, message: 'invalid pid or backendStart' };
  }
  try {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(waitMs + 5000)]);
      const result = await client.query(TERMINATE_SQL, [
        protectedList(opts.protectedRoles), target.pid, target.backendStart, [...target.databases], target.why, target.thresholdSeconds, waitMs,
      ]);
      await client.query('COMMIT');
      const row: unknown = result.rows[0];
      if (typeof row !== 'object' || row === null) return { terminated: false, reason: TerminationResult.NoMatchingSession };
      if ('terminated' in row && row.terminated === true) return { terminated: true, reason: TerminationResult.Terminated };
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

/** Does the session (pid, backend_start) still exist? For resuming intents after a restart. */
export async function sessionsStillPresent(client: pg.ClientBase, targets: readonly { pid: number; backendStart: string }[], statementTimeoutMs = 5000): Promise<Set<string>> {
  if (targets.length === 0) return new Set();
  const rows = await runReadOnly(
    client,
    `SELECT a.pid, ${iso('a.backend_start')} AS backend_start FROM pg_stat_activity a WHERE a.pid = ANY($1::int[])`,
    [targets.map((t) => t.pid)],
    statementTimeoutMs,
  );
  const present = new Set(rows.map((r) => sessionKey(num(r['pid']) ?? 0, str(r['backend_start']) ?? '')));
  return new Set(targets.map((t) => sessionKey(t.pid, t.backendStart)).filter((k) => present.has(k)));
}
