/**
 * Which PostgreSQL sessions to terminate, in which order (runbook "Database Performance Issues", step 5), and
 * whether the symptom is gone afterwards. Pure: the adapter (src/database/terminate-queries.ts) lists every
 * session with pg_blocking_pids(), server-computed ages and effective privilege; this decides.
 *
 * The rule (README "Terminating sessions"):
 *  1. Root blockers first — sessions that block others and wait for nobody, including idle-in-transaction ones —
 *     judged by how long their transaction has held its locks (xact_start / state_change), most waiters first.
 *  2. Then plain long runners: running one statement longer than the threshold, blocking nobody, waiting for
 *     nobody, oldest first.
 *  3. Never a victim (a session waiting for a lock): ending its blocker is what lets it finish.
 *  4. Never an untouchable session (session-eligibility.ts): own, non-client, superuser, replication or admin
 *     by effective privilege, another database, unknown role or state. An untouchable (or too young, or
 *     unknown) root blocker is reported in `ineligibleBlockers` so the incident escalates naming it; its
 *     victims are left alone.
 *  5. At most `budget` sessions not already paid for (termination-budget.ts).
 */
import { buildWaitForGraph } from './lock-wait-graph.js';
import {
  blockerDisqualification,
  CLIENT_BACKEND,
  isRunning,
  lockHoldSeconds,
  longRunnerDisqualification,
  SkipReason,
  type EligibilityScope,
  type SessionInfo,
} from './session-eligibility.js';
import { sessionKey } from './termination-budget.js';

export { CLIENT_BACKEND, SkipReason, type SessionInfo } from './session-eligibility.js';

export interface TerminationPolicy extends EligibilityScope {
  thresholdSeconds: number;
  /** Sessions not yet paid for that may be intended now: min(server budget left, the Incident's own cap left). */
  budget: number;
  /** sessionKey()s already paid for within the window (a resumed intent, another Incident's): free. */
  alreadyCounted?: ReadonlySet<string>;
}

export const TerminationWhy = {
  RootBlocker: 'RootBlocker',
  LongRunner: 'LongRunner',
} as const;
export type TerminationWhy = (typeof TerminationWhy)[keyof typeof TerminationWhy];

export interface PlannedTermination {
  session: SessionInfo;
  why: TerminationWhy;
  /** Sessions waiting for it, directly or through a chain (0 for a long runner). */
  waiters: number;
  /** Transaction age (root blocker) or statement age (long runner), seconds. */
  ageSeconds: number;
  /** True when this session was already paid for (costs no budget). */
  alreadyCounted: boolean;
}

export interface SkippedSession {
  pid: number;
  reason: SkipReason;
}

/** A root blocker nobody may terminate: the incident escalates naming it. */
export interface IneligibleBlocker {
  pid: number;
  reason: SkipReason;
  waiters: number;
  /** Redacted. */
  user: string | null;
  /** Redacted. */
  application: string | null;
  database: string | null;
  fingerprint: string;
  transactionAgeSeconds: number | null;
}

export interface TerminationSelection {
  /** In order: root blockers, then long runners. */
  terminate: PlannedTermination[];
  skipped: SkippedSession[];
  ineligibleBlockers: IneligibleBlocker[];
  /** Client sessions of the scope that wait for a lock. */
  waiting: number[];
}

const inScope = (s: SessionInfo, scope: EligibilityScope): boolean => s.database !== null && scope.databases.includes(s.database);

export function selectQueriesToTerminate(sessions: readonly SessionInfo[], policy: TerminationPolicy): TerminationSelection {
  const byPid = new Map(sessions.map((s) => [s.pid, s]));
  const graph = buildWaitForGraph(sessions);
  const counted = policy.alreadyCounted ?? new Set<string>();
  const skipped: SkippedSession[] = [];
  const ineligibleBlockers: IneligibleBlocker[] = [];
  const blockers: PlannedTermination[] = [];
  const runners: PlannedTermination[] = [];
  const rootPids = new Set(graph.roots.map((r) => r.pid));

  for (const root of graph.roots) {
    const session = byPid.get(root.pid);
    const concernsUs = root.waiters.some((w) => { const ws = byPid.get(w); return ws !== undefined && inScope(ws, policy); })
      || (session !== undefined && inScope(session, policy));
    const reason = session === undefined ? SkipReason.UnknownBlocker : blockerDisqualification(session, policy, policy.thresholdSeconds);
    if (reason === null && session !== undefined) {
      blockers.push({
        session, why: TerminationWhy.RootBlocker, waiters: root.waiters.length, ageSeconds: lockHoldSeconds(session) ?? 0,
        alreadyCounted: counted.has(sessionKey(session.pid, session.backendStart)),
      });
      continue;
    }
    if (reason !== null && session !== undefined) skipped.push({ pid: root.pid, reason });
    if (reason !== null && concernsUs) {
      ineligibleBlockers.push({
        pid: root.pid, reason, waiters: root.waiters.length,
        user: session?.user ?? null, application: session?.application ?? null, database: session?.database ?? null,
        fingerprint: session?.fingerprint ?? '', transactionAgeSeconds: session?.transactionAgeSeconds ?? null,
      });
    }
  }

  for (const session of sessions) {
    if (rootPids.has(session.pid)) continue;
    if (graph.isWaiting(session.pid)) {
      if (session.backendType === CLIENT_BACKEND && session.pid !== policy.ownPid) skipped.push({ pid: session.pid, reason: SkipReason.Victim });
      continue;
    }
    const reason = longRunnerDisqualification(session, policy, policy.thresholdSeconds);
    if (reason === null) {
      runners.push({
        session, why: TerminationWhy.LongRunner, waiters: 0, ageSeconds: session.durationSeconds ?? 0,
        alreadyCounted: counted.has(sessionKey(session.pid, session.backendStart)),
      });
    } else if (session.backendType === CLIENT_BACKEND && reason !== SkipReason.Idle && reason !== SkipReason.BelowThreshold) {
      skipped.push({ pid: session.pid, reason }); // idle / young sessions are the normal case: not worth listing
    }
  }

  // most waiters first, then the oldest transaction; long runners oldest first; pid breaks ties
  blockers.sort((a, b) => b.waiters - a.waiters || b.ageSeconds - a.ageSeconds || a.session.pid - b.session.pid);
  runners.sort((a, b) => b.ageSeconds - a.ageSeconds || a.session.pid - b.session.pid);

  let budget = Math.max(0, Math.floor(policy.budget));
  const terminate: PlannedTermination[] = [];
  for (const planned of [...blockers, ...runners]) {
    if (planned.alreadyCounted) terminate.push(planned);
    else if (budget > 0) { budget -= 1; terminate.push(planned); }
    else skipped.push({ pid: planned.session.pid, reason: SkipReason.BudgetExhausted });
  }

  const waiting = graph.waiting.filter((pid) => { const s = byPid.get(pid); return s !== undefined && s.backendType === CLIENT_BACKEND && s.pid !== policy.ownPid && inScope(s, policy); });
  return { terminate, skipped, ineligibleBlockers, waiting };
}

export interface VerificationInput {
  /** The scope's sessions re-read after acting. */
  sessions: readonly SessionInfo[];
  scope: EligibilityScope;
  thresholdSeconds: number;
  /** Sessions (pid, backendStart) that were waiting before acting: none of them may still wait. */
  waitingBefore: readonly { pid: number; backendStart: string }[];
  /** Sessions the operator signalled: none of them may still exist. */
  terminated: readonly { pid: number; backendStart: string }[];
}

export interface VerificationResult {
  ok: boolean;
  /** In scope and still waiting for a lock: a former victim, or waiting longer than the threshold. */
  stillWaiting: number[];
  /** In scope, running one statement longer than the threshold (any role: the symptom is what counts). */
  longRunning: number[];
  /** Signalled but still there. */
  survivors: number[];
  summary: string;
}

/** After acting: is the pile-up gone? Pure; the caller re-reads and may call this again until a deadline. */
export function verifyTermination(input: VerificationInput): VerificationResult {
  const { scope } = input;
  const graph = buildWaitForGraph(input.sessions);
  const before = new Set(input.waitingBefore.map((s) => sessionKey(s.pid, s.backendStart)));
  const signalled = new Set(input.terminated.map((s) => sessionKey(s.pid, s.backendStart)));
  const clients = input.sessions.filter((s) => s.backendType === CLIENT_BACKEND && s.pid !== scope.ownPid);
  const stillWaiting: number[] = [];
  const longRunning: number[] = [];
  const survivors: number[] = [];
  for (const s of clients) {
    const key = sessionKey(s.pid, s.backendStart);
    if (signalled.has(key)) survivors.push(s.pid);
    if (!inScope(s, scope)) continue;
    const waitedLong = s.durationSeconds !== null && s.durationSeconds > input.thresholdSeconds;
    if (graph.isWaiting(s.pid)) {
      if (before.has(key) || waitedLong) stillWaiting.push(s.pid);
    } else if (isRunning(s.state) && waitedLong) {
      longRunning.push(s.pid);
    }
  }
  const sort = (a: number[]): number[] => a.sort((x, y) => x - y);
  const parts: string[] = [];
  if (stillWaiting.length) parts.push(`${stillWaiting.length} session(s) still waiting for a lock`);
  if (longRunning.length) parts.push(`${longRunning.length} quer${longRunning.length === 1 ? 'y' : 'ies'} still running longer than ${input.thresholdSeconds}s`);
  if (survivors.length) parts.push(`${survivors.length} signalled session(s) still present`);
  return {
    ok: parts.length === 0,
    stillWaiting: sort(stillWaiting),
    longRunning: sort(longRunning),
    survivors: sort(survivors),
    summary: parts.length === 0 ? 'no session waits for a lock and no query runs longer than the threshold' : parts.join('; '),
  };
}
