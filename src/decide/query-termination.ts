/**
 * Which PostgreSQL sessions may be terminated (runbook "Database Performance Issues", step 5). Pure: the adapter
 * (src/database/terminate-queries.ts) lists sessions with server-computed durations, this decides.
 *
 * Only ordinary client sessions that have been running a statement (state other than idle) for longer than the
 * threshold are eligible. Never the operator's own session, never superuser or replication roles, never a session
 * whose state or role could not be read. Capped by the termination budget, oldest first.
 */

/** One row of pg_stat_activity joined with pg_roles, without the raw query text. */
export interface SessionInfo {
  pid: number;
  /** pg_stat_activity.backend_type, e.g. 'client backend', 'autovacuum worker'. */
  backendType: string;
  /** ISO-8601 UTC with microseconds, exactly as the server stores it; identifies the session together with pid. */
  backendStart: string;
  user: string | null;
  database: string | null;
  application: string | null;
  /** pg_stat_activity.state; null when the operator may not see it (missing pg_read_all_stats / pg_monitor). */
  state: string | null;
  /** Seconds since query_start, computed by the server (no clock skew); null when unknown. */
  durationSeconds: number | null;
  /** Seconds since xact_start; null outside a transaction or when unknown. */
  transactionAgeSeconds: number | null;
  /** pg_roles.rolsuper / rolreplication of the session's role; null when the role could not be found. */
  rolsuper: boolean | null;
  rolreplication: boolean | null;
  /** fingerprintSql() of the query; never the raw text. */
  fingerprint: string;
}

export interface TerminationPolicy {
  thresholdSeconds: number;
  /** Total terminations allowed for the incident. */
  maxTerminations: number;
  /** Terminations already done for the incident (counts against maxTerminations). */
  alreadyTerminated: number;
  /** pg_backend_pid() of the operator's own connection. */
  ownPid: number;
}

export const SkipReason = {
  OwnSession: 'OwnSession',
  NotClientBackend: 'NotClientBackend',
  SuperuserRole: 'SuperuserRole',
  ReplicationRole: 'ReplicationRole',
  UnknownRole: 'UnknownRole',
  StateUnknown: 'StateUnknown',
  Idle: 'Idle',
  BelowThreshold: 'BelowThreshold',
  BudgetExhausted: 'BudgetExhausted',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export interface SkippedSession {
  pid: number;
  reason: SkipReason;
}

export interface TerminationSelection {
  eligible: SessionInfo[];
  skipped: SkippedSession[];
}

export const CLIENT_BACKEND = 'client backend';

/** Why `session` may not be terminated regardless of budget, or null when it qualifies. */
function disqualification(session: SessionInfo, policy: TerminationPolicy): SkipReason | null {
  if (session.pid === policy.ownPid) return SkipReason.OwnSession;
  if (session.backendType !== CLIENT_BACKEND) return SkipReason.NotClientBackend;
  if (session.rolsuper === null || session.rolreplication === null) return SkipReason.UnknownRole;
  if (session.rolsuper) return SkipReason.SuperuserRole;
  if (session.rolreplication) return SkipReason.ReplicationRole;
  if (session.state === null) return SkipReason.StateUnknown;
  if (session.state === 'idle') return SkipReason.Idle;
  if (session.durationSeconds === null || !(session.durationSeconds > policy.thresholdSeconds)) {
    return SkipReason.BelowThreshold;
  }
  return null;
}

export function selectQueriesToTerminate(sessions: readonly SessionInfo[], policy: TerminationPolicy): TerminationSelection {
  const skipped: SkippedSession[] = [];
  const qualifying: SessionInfo[] = [];
  for (const session of sessions) {
    const reason = disqualification(session, policy);
    if (reason === null) qualifying.push(session);
    else skipped.push({ pid: session.pid, reason });
  }
  // oldest first; pid breaks ties so the choice is deterministic
  qualifying.sort((a, b) => (b.durationSeconds ?? 0) - (a.durationSeconds ?? 0) || a.pid - b.pid);
  const budget = Math.max(0, Math.floor(policy.maxTerminations) - Math.max(0, Math.floor(policy.alreadyTerminated)));
  const eligible = qualifying.slice(0, budget);
  for (const session of qualifying.slice(budget)) skipped.push({ pid: session.pid, reason: SkipReason.BudgetExhausted });
  return { eligible, skipped };
}
