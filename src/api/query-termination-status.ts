/**
 * The query-termination part of `status.remediation` (runbook "Database Performance Issues", step 5): every
 * termination's intent, recorded before its signal, with why it was chosen and what happened; the root blockers
 * nobody may touch; the per-server budget; and the re-read that verified the symptom is gone. The intents of
 * every Incident of one database server are that server's termination ledger.
 */

/** One session chosen for termination, recorded before it is signalled. */
export interface TerminationIntent {
  /** Database server identity (system identifier, else host:port): the budget is per server. */
  server: string;
  /** Backend process id. */
  pid: number;
  /** backend_start (ISO 8601 UTC, microseconds): with pid, identifies the session. */
  backendStart: string;
  /** When the intent was recorded (RFC 3339): the budget unit is spent from then on. */
  intendedAt: string;
  /** RootBlocker (blocks others, waits for nobody) or LongRunner (one statement over the threshold, blocks nobody). */
  why: string;
  /** Sessions waiting for it, directly or through a chain (0 for a long runner). */
  waiters: number;
  /** Transaction age (root blocker) or statement age (long runner) when chosen, in seconds. */
  ageSeconds: number;
  /** Role name (redacted). */
  user: string | null;
  /** application_name (redacted). */
  application: string | null;
  /** Database name. */
  database: string | null;
  /** pg_stat_activity.state when chosen. */
  state: string | null;
  /** Query fingerprint (literals replaced by `?`). */
  fingerprint: string;
  /** Terminated, NoMatchingSession, NotExitedInTime, PermissionDenied, Error, GoneAfterRestart, NotSignalled; absent until known. */
  result?: string;
  /** When the result was recorded (RFC 3339). */
  at?: string;
  /** Detail of the result (redacted). */
  message?: string;
}

/** A session, identified as the server does: pid and backend_start. */
export interface SessionRef {
  /** Backend process id. */
  pid: number;
  /** backend_start (ISO 8601 UTC, microseconds). */
  backendStart: string;
}

/** A root blocker nobody may terminate: the incident escalates naming it. */
export interface IneligibleBlockerStatus {
  /** Backend process id (0: a prepared transaction). */
  pid: number;
  /** Why it may not be touched (SuperuserRole, ReplicationRole, AdminRole, OtherDatabase, BelowThreshold, UnknownBlocker, ...). */
  reason: string;
  /** Sessions waiting for it, directly or through a chain. */
  waiters: number;
  /** Role name (redacted). */
  user: string | null;
  /** application_name (redacted). */
  application: string | null;
  /** Database name. */
  database: string | null;
  /** Query fingerprint of its latest statement. */
  fingerprint: string;
  /** Seconds since its transaction started, null when unknown. */
  transactionAgeSeconds: number | null;
}

/** The per-server termination budget when the intents were recorded. */
export interface TerminationBudgetStatus {
  /** Terminations allowed per server within the window. */
  max: number;
  /** The window, in seconds. */
  windowSeconds: number;
  /** Distinct sessions intended on this server within the window, by every Incident, before this pass. */
  usedBefore: number;
  /** When the next unit comes back (RFC 3339), absent when none is spent. */
  nextUnitAt?: string;
  /** Set when the Incident's own cap (spec.database.maxTerminations) was the tighter limit. */
  incidentCap?: number;
}

/** The re-read after acting. */
export interface TerminationVerification {
  /** No session of the scope still waits for a lock, no query runs over the threshold, every signalled session is gone. */
  ok: boolean;
  /** Sessions still waiting for a lock (former victims, or waiting longer than the threshold). */
  stillWaiting: number[];
  /** Sessions still running one statement over the threshold. */
  longRunning: number[];
  /** Signalled sessions still present. */
  survivors: number[];
  /** One line. */
  summary: string;
  /** When it was checked (RFC 3339). */
  checkedAt: string;
}

/** What a termination pass leaves in status.remediation (besides state, reason, message). */
export interface QueryTerminationStatus {
  /** Database server identity the pass acted on. */
  server?: string;
  /** Databases in scope (the Incident's, plus spec.database.databases). */
  databases?: string[];
  /** Every intent, in the order chosen; each recorded before its signal. */
  terminations?: TerminationIntent[];
  /** Root blockers that may not be touched. */
  ineligibleBlockers?: IneligibleBlockerStatus[];
  /** Sessions waiting for a lock when the pass began. */
  waitingBefore?: number;
  /** The first 50 of them (pid, backend_start): after acting, none of them may still wait. */
  waitingSessions?: SessionRef[];
  /** The budget when the intents were recorded. */
  budget?: TerminationBudgetStatus;
  /** The re-read after acting. */
  verification?: TerminationVerification;
}

const optional = <K extends string>(key: K, v: string | null): Partial<Record<K, string>> => {
  const out: Partial<Record<K, string>> = {};
  if (v !== null) out[key] = v;
  return out;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The waiting sessions recorded in a status.remediation value, validated. */
export function waitingSessionsOf(remediation: unknown): SessionRef[] {
  if (!isObject(remediation) || !Array.isArray(remediation['waitingSessions'])) return [];
  const out: SessionRef[] = [];
  for (const w of remediation['waitingSessions']) {
    if (isObject(w) && typeof w['pid'] === 'number' && typeof w['backendStart'] === 'string') out.push({ pid: w['pid'], backendStart: w['backendStart'] });
  }
  return out;
}

/** The intents recorded in a status.remediation value, validated field by field (anything malformed is dropped). */
export function terminationIntentsOf(remediation: unknown): TerminationIntent[] {
  if (!isObject(remediation)) return [];
  const raw = remediation['terminations'];
  if (!Array.isArray(raw)) return [];
  const out: TerminationIntent[] = [];
  for (const t of raw) {
    if (!isObject(t)) continue;
    const { server, pid, backendStart, intendedAt } = t;
    if (typeof server !== 'string' || typeof pid !== 'number' || typeof backendStart !== 'string' || typeof intendedAt !== 'string') continue;
    const text = (k: string): string | null => { const v = t[k]; return typeof v === 'string' ? v : null; };
    const count = (k: string): number => { const v = t[k]; return typeof v === 'number' && Number.isFinite(v) ? v : 0; };
    out.push({
      server, pid, backendStart, intendedAt,
      why: text('why') ?? '', waiters: count('waiters'), ageSeconds: count('ageSeconds'),
      user: text('user'), application: text('application'), database: text('database'), state: text('state'),
      fingerprint: text('fingerprint') ?? '',
      ...optional('result', text('result')),
      ...optional('at', text('at')),
      ...optional('message', text('message')),
    });
  }
  return out;
}
