/**
 * Whether one PostgreSQL session may ever be terminated, regardless of what it blocks (runbook "Database
 * Performance Issues", step 5). Pure. The adapter (src/database/terminate-queries.ts) reads the facts with
 * server-computed ages and effective privilege; this module only judges them.
 *
 * Effective privilege (computed by the server with pg_has_role(..., 'MEMBER'), i.e. direct or transitive
 * membership, with or without INHERIT — exactly the roles the session could SET ROLE to):
 *  - superuser:   the login role is a superuser or a member of one;
 *  - replication: the login role has REPLICATION or is a member of a role that has it;
 *  - admin:       the login role has CREATEROLE, or is a member of pg_signal_backend or pg_read_all_stats
 *                 (pg_monitor includes it): operators, DBAs, monitoring agents. Terminating them would blind or
 *                 disarm the people fixing the incident.
 * Any of the three, or a role that could not be read, makes the session untouchable.
 */

/** What the server says about the session's login role; null when the role could not be read. */
export interface EffectivePrivilege {
  superuser: boolean;
  replication: boolean;
  admin: boolean;
}

/** One row of pg_stat_activity (all backend types), without raw query text; user/application already redacted. */
export interface SessionInfo {
  pid: number;
  /** pg_stat_activity.backend_type, e.g. 'client backend', 'autovacuum worker'. */
  backendType: string;
  /** ISO-8601 UTC with microseconds, exactly as the server stores it; identifies the session together with pid. */
  backendStart: string;
  /** Redacted usename. */
  user: string | null;
  /** datname (not redacted: it is the operator's own configuration and is compared with the scope). */
  database: string | null;
  /** Redacted application_name. */
  application: string | null;
  /** pg_stat_activity.state; null when the operator may not see it (missing pg_read_all_stats / pg_monitor). */
  state: string | null;
  /** Seconds since query_start (server clock); null when unknown. */
  durationSeconds: number | null;
  /** Seconds since xact_start; null outside a transaction or when unknown. */
  transactionAgeSeconds: number | null;
  /** Seconds since state_change (for 'idle in transaction': how long it has been idle); null when unknown. */
  stateAgeSeconds: number | null;
  /** pg_blocking_pids(pid): the sessions this one waits for (0 = a prepared transaction). */
  blockedBy: number[];
  privilege: EffectivePrivilege | null;
  /** fingerprintSql() of the query; never the raw text. */
  fingerprint: string;
}

export const CLIENT_BACKEND = 'client backend';

export const SkipReason = {
  OwnSession: 'OwnSession',
  NotClientBackend: 'NotClientBackend',
  SuperuserRole: 'SuperuserRole',
  ReplicationRole: 'ReplicationRole',
  AdminRole: 'AdminRole',
  UnknownRole: 'UnknownRole',
  OtherDatabase: 'OtherDatabase',
  StateUnknown: 'StateUnknown',
  Idle: 'Idle',
  /** Idle in transaction, blocking nobody: reported in the diagnosis, never terminated. */
  IdleNotBlocking: 'IdleNotBlocking',
  BelowThreshold: 'BelowThreshold',
  /** Waits for a lock: a victim. Never terminated; its blocker is. */
  Victim: 'Victim',
  /** A blocker that is not a session we can see (a prepared transaction, pid 0, or hidden). */
  UnknownBlocker: 'UnknownBlocker',
  BudgetExhausted: 'BudgetExhausted',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export interface EligibilityScope {
  /** pg_backend_pid() of the operator's own connection. */
  ownPid: number;
  /** Databases whose sessions may be terminated (the Incident's datname plus spec.database.databases). */
  databases: readonly string[];
}

/** Why `s` may never be terminated (independent of age and blocking), or null when it may be. */
export function untouchable(s: SessionInfo, scope: EligibilityScope): SkipReason | null {
  if (s.pid === scope.ownPid) return SkipReason.OwnSession;
  if (s.backendType !== CLIENT_BACKEND) return SkipReason.NotClientBackend;
  if (s.privilege === null) return SkipReason.UnknownRole;
  if (s.privilege.superuser) return SkipReason.SuperuserRole;
  if (s.privilege.replication) return SkipReason.ReplicationRole;
  if (s.privilege.admin) return SkipReason.AdminRole;
  if (s.database === null || !scope.databases.includes(s.database)) return SkipReason.OtherDatabase;
  if (s.state === null) return SkipReason.StateUnknown;
  return null;
}

export const isIdleInTransaction = (state: string | null): boolean => state !== null && state.startsWith('idle in transaction');
export const isRunning = (state: string | null): boolean => state === 'active' || state === 'fastpath function call';

/**
 * How long a blocker has held its locks, at most: its transaction's age (xact_start) — not its current
 * statement's, which for a session issuing short statements inside a long transaction is always young. For an
 * idle-in-transaction session whose xact_start is hidden, the time since state_change.
 */
export function lockHoldSeconds(s: SessionInfo): number | null {
  const known = [s.transactionAgeSeconds, isIdleInTransaction(s.state) ? s.stateAgeSeconds : null, s.durationSeconds]
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? null : Math.max(...known);
}

/** A root blocker qualifies when it may be touched and has held its transaction open longer than the threshold. */
export function blockerDisqualification(s: SessionInfo, scope: EligibilityScope, thresholdSeconds: number): SkipReason | null {
  const reason = untouchable(s, scope);
  if (reason !== null) return reason;
  if (s.state === 'idle') return SkipReason.Idle; // holds no locks; cannot really be a blocker
  const held = lockHoldSeconds(s);
  return held !== null && held > thresholdSeconds ? null : SkipReason.BelowThreshold;
}

/** A session blocking nobody qualifies only when it is running a statement older than the threshold. */
export function longRunnerDisqualification(s: SessionInfo, scope: EligibilityScope, thresholdSeconds: number): SkipReason | null {
  const reason = untouchable(s, scope);
  if (reason !== null) return reason;
  if (s.state === 'idle') return SkipReason.Idle;
  if (isIdleInTransaction(s.state)) return SkipReason.IdleNotBlocking;
  if (!isRunning(s.state)) return SkipReason.StateUnknown;
  return s.durationSeconds !== null && s.durationSeconds > thresholdSeconds ? null : SkipReason.BelowThreshold;
}
