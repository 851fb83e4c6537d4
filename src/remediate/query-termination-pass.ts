/**
 * Session termination on one database server (runbook "Database Performance Issues", step 5), in the two steps
 * the reconciler drives (intent before action):
 *
 *  plan:    under the server's lock: list every session (wait-for graph, effective privilege) → budget from the
 *           ledger (every Incident's intents + this process's) → select (root blockers first, never victims,
 *           never the untouchable) → remember the intents in the ledger → return them as an `Intended` record,
 *           which the caller persists. With nothing to signal, the outcome directly (verified once).
 *  execute: for each persisted intent without a result: signal it, re-checked in the same statement → re-read
 *           until the pile-up is gone or the verify window ends → Succeeded, or Failed with the evidence.
 *
 * The budget invariant needs the lock only around plan: an intent is counted (in memory, then in status) before
 * the lock is released, and only persisted intents are ever signalled. A recorded intent is resumed, never
 * repeated: an `Intended` record found after a restart is executed as is; an intent whose session is gone is
 * reported as such (GoneAfterRestart), one still there is signalled only if it still qualifies.
 */
import type pg from 'pg';
import { Reason } from '../api/reasons.js';
import type { IneligibleBlockerStatus, QueryTerminationStatus, SessionRef, TerminationIntent } from '../api/query-termination-status.js';
import { selectQueriesToTerminate, TerminationWhy, verifyTermination, type VerificationResult } from '../decide/query-termination.js';
import { budgetState, sessionKey, type BudgetPolicy, type LedgerEntry } from '../decide/termination-budget.js';
import { listSessions, serverIdentity, terminateSession, TerminationResult } from '../database/terminate-queries.js';
import type { Clock } from '../runtime/clock.js';
import type { TerminationLedger } from './termination-ledger.js';

export type TerminationState = 'Intended' | 'Succeeded' | 'Skipped' | 'Failed';

export interface QueryTerminationRecord extends QueryTerminationStatus {
  state: TerminationState;
  action: 'TerminateQueries';
  reason: string;
  message: string;
  intendedAt?: string;
  completedAt?: string;
  /** Sessions left alone, and why (at most 10). */
  skipped?: { pid: number; reason: string }[];
}

export interface TerminationPassDeps {
  clock: Clock;
  ledger: TerminationLedger;
  /** Intents recorded in every Incident's status (the incidents cache). */
  recordedIntents(): readonly LedgerEntry[];
  budget: BudgetPolicy;
  verifySeconds: number;
  protectedRoles?: readonly string[];
  sleep?: (ms: number) => Promise<void>;
  log?: { info(message: string, meta?: Record<string, unknown>): void };
}

export interface PlanInput {
  /** Connected; not inside a transaction. */
  client: pg.ClientBase;
  /** host:port, the server identity when the system identifier cannot be read. */
  serverAddress: string;
  /** The Incident's database plus spec.database.databases. */
  databases: readonly string[];
  thresholdSeconds: number;
  /** spec.database.maxTerminations: this Incident's own cap, over its lifetime. */
  maxTerminations: number;
  /** The intents this Incident already recorded, validated (they count against its cap, and are free). */
  previous: readonly TerminationIntent[];
}

export interface ExecuteInput {
  client: pg.ClientBase;
  thresholdSeconds: number;
  /** The persisted `Intended` record, fields validated by the caller. */
  record: QueryTerminationRecord;
}

const VERIFY_INTERVAL_MS = 250;
const MAX_WAITING_RECORDED = 50;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function describeIntent(t: TerminationIntent): string {
  return t.why === TerminationWhy.RootBlocker ? `pid ${t.pid} (root blocker of ${plural(t.waiters, 'waiter', 'waiters')})` : `pid ${t.pid} (long runner, ${Math.round(t.ageSeconds)}s)`;
}

export function describeBlocker(b: IneligibleBlockerStatus): string {
  const who = [`role ${b.user ?? 'unknown'}`, `application ${b.application || 'none'}`, b.database ? `database ${b.database}` : null].filter(Boolean).join(', ');
  return `root blocker pid ${b.pid} (${who}${b.fingerprint ? `, query \`${b.fingerprint.slice(0, 120)}\`` : ''}) may not be terminated (${b.reason}); ${plural(b.waiters, 'session waits', 'sessions wait')} for it`;
}

/** Step 1. Returns an `Intended` record to persist before execute(), or the outcome when there is nothing to signal. */
export async function planTerminations(deps: TerminationPassDeps, input: PlanInput): Promise<QueryTerminationRecord> {
  const server = await serverIdentity(input.client, input.serverAddress);
  return deps.ledger.withServer(server, () => plan(deps, input, server));
}

async function plan(deps: TerminationPassDeps, input: PlanInput, server: string): Promise<QueryTerminationRecord> {
  const now = deps.clock.now();
  const databases = [...new Set(input.databases)];
  const listing = await listSessions(input.client, { protectedRoles: deps.protectedRoles });
  const scope = { ownPid: listing.ownPid, databases };

  // The budget: every Incident's intents for this server, plus ours the cache may not show yet.
  const ledger = [...deps.recordedIntents(), ...deps.ledger.recentEntries(now, deps.budget.windowSeconds), ...input.previous];
  const state = budgetState(ledger, server, deps.budget, now);
  const mine = new Set(input.previous.map((t) => sessionKey(t.pid, t.backendStart)));
  const incidentLeft = Math.max(0, Math.floor(input.maxTerminations) - mine.size);
  const selection = selectQueriesToTerminate(listing.sessions, {
    ...scope, thresholdSeconds: input.thresholdSeconds, budget: Math.min(state.remaining, incidentLeft),
    alreadyCounted: new Set([...state.counted, ...mine]),
  });
  const waiting = new Set(selection.waiting);
  const waitingSessions: SessionRef[] = listing.sessions.filter((s) => waiting.has(s.pid)).slice(0, MAX_WAITING_RECORDED).map((s) => ({ pid: s.pid, backendStart: s.backendStart }));

  const terminations: TerminationIntent[] = [...input.previous];
  const unresolved = new Set(terminations.filter((t) => t.result === undefined).map((t) => sessionKey(t.pid, t.backendStart)));
  const fresh: TerminationIntent[] = selection.terminate
    .filter((p) => !unresolved.has(sessionKey(p.session.pid, p.session.backendStart)))
    .map((p) => ({
      server, pid: p.session.pid, backendStart: p.session.backendStart, intendedAt: now.toISOString(), why: p.why, waiters: p.waiters,
      ageSeconds: Math.round(p.ageSeconds * 1000) / 1000, user: p.session.user, application: p.session.application,
      database: p.session.database, state: p.session.state, fingerprint: p.session.fingerprint,
    }));
  terminations.push(...fresh);
  const serverBound = state.remaining <= incidentLeft;
  const record: Omit<QueryTerminationRecord, 'state' | 'reason' | 'message'> = {
    action: 'TerminateQueries', server, databases, terminations,
    ineligibleBlockers: selection.ineligibleBlockers.slice(0, 10),
    waitingBefore: selection.waiting.length, waitingSessions,
    budget: {
      max: deps.budget.max, windowSeconds: deps.budget.windowSeconds, usedBefore: state.used,
      ...(state.nextUnitAt ? { nextUnitAt: state.nextUnitAt.toISOString() } : {}),
      ...(!serverBound ? { incidentCap: input.maxTerminations } : {}),
    },
    skipped: selection.skipped.slice(0, 10),
  };

  if (fresh.length > 0) {
    deps.ledger.remember(fresh.map((t) => ({ server, pid: t.pid, backendStart: t.backendStart, intendedAt: t.intendedAt })));
    return {
      ...record, state: 'Intended', reason: Reason.TerminationIntended, intendedAt: now.toISOString(),
      message: `terminating ${plural(fresh.length, 'session', 'sessions')}: ${fresh.map(describeIntent).join(', ')}`,
    };
  }
  // Nothing to signal: verify once and conclude.
  return conclude(deps, { ...record, state: 'Intended', reason: Reason.TerminationIntended, message: '' }, await check(deps, input.client, record, input.thresholdSeconds, 0), []);
}

/** Step 2. Signals every intent of the persisted record that has no result yet, then verifies. */
export async function executeTerminations(deps: TerminationPassDeps, input: ExecuteInput): Promise<QueryTerminationRecord> {
  const { client } = input;
  const record: QueryTerminationRecord = { ...input.record, terminations: (input.record.terminations ?? []).map((t) => ({ ...t })) };
  const databases = record.databases ?? [];
  const now = deps.clock.now();
  const ours = new Set(deps.ledger.recentEntries(now, Math.max(deps.budget.windowSeconds, 86_400)).map((e) => sessionKey(e.pid, e.backendStart)));
  const listing = await listSessions(client, { protectedRoles: deps.protectedRoles });
  const present = new Set(listing.sessions.map((s) => sessionKey(s.pid, s.backendStart)));
  const resumed: TerminationIntent[] = [];
  for (const t of record.terminations!) {
    if (t.result !== undefined) continue;
    const key = sessionKey(t.pid, t.backendStart);
    const afterRestart = !ours.has(key);
    if (afterRestart) resumed.push(t);
    if (!present.has(key)) {
      t.result = afterRestart ? 'GoneAfterRestart' : TerminationResult.NoMatchingSession;
      t.at = deps.clock.now().toISOString();
      t.message = afterRestart ? 'recorded before a restart; the session is gone (terminated before the restart, or ended)' : 'the session ended before it was signalled';
      continue;
    }
    const why = t.why === TerminationWhy.RootBlocker ? TerminationWhy.RootBlocker : TerminationWhy.LongRunner;
    const outcome = await terminateSession(client, { pid: t.pid, backendStart: t.backendStart, why, thresholdSeconds: input.thresholdSeconds, databases }, { protectedRoles: deps.protectedRoles });
    t.result = outcome.reason;
    t.at = deps.clock.now().toISOString();
    if (outcome.message !== undefined) t.message = outcome.message;
    else if (afterRestart) t.message = 'recorded before a restart; signalled after it';
    deps.log?.info('session termination', { server: record.server, pid: t.pid, why: t.why, waiters: t.waiters, result: t.result, resumed: afterRestart });
  }
  return conclude(deps, record, await check(deps, client, record, input.thresholdSeconds, deps.verifySeconds), resumed);
}

async function check(deps: TerminationPassDeps, client: pg.ClientBase, record: QueryTerminationStatus, thresholdSeconds: number, verifySeconds: number): Promise<VerificationResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = deps.clock.now().getTime() + verifySeconds * 1000;
  const terminated = (record.terminations ?? []).filter((t) => t.result === TerminationResult.Terminated).map((t) => ({ pid: t.pid, backendStart: t.backendStart }));
  for (;;) {
    const listing = await listSessions(client, { protectedRoles: deps.protectedRoles });
    const result = verifyTermination({
      sessions: listing.sessions, scope: { ownPid: listing.ownPid, databases: record.databases ?? [] }, thresholdSeconds,
      waitingBefore: record.waitingSessions ?? [], terminated,
    });
    if (result.ok || deps.clock.now().getTime() >= deadline) return result;
    await sleep(VERIFY_INTERVAL_MS);
  }
}

function conclude(deps: TerminationPassDeps, record: QueryTerminationRecord, verification: VerificationResult, resumed: readonly TerminationIntent[]): QueryTerminationRecord {
  const completedAt = deps.clock.now().toISOString();
  const done = (record.terminations ?? []).filter((t) => t.result === TerminationResult.Terminated);
  const whatWasDone = done.length > 0 ? `terminated ${plural(done.length, 'session', 'sessions')}: ${done.map(describeIntent).join(', ')}` : 'terminated no session';
  const restartNote = resumed.length > 0 ? `; resumed after a restart: ${resumed.map((t) => `pid ${t.pid} ${t.result === 'GoneAfterRestart' ? 'was already gone' : t.result === TerminationResult.Terminated ? 'terminated now' : `not terminated (${t.result})`}`).join(', ')}` : '';
  const out = { ...record, verification: { ...verification, checkedAt: completedAt }, completedAt };
  if (verification.ok) {
    if (done.length === 0 && resumed.length === 0) return { ...out, state: 'Skipped', reason: Reason.NothingToTerminate, message: `nothing to terminate: ${verification.summary}` };
    return { ...out, state: 'Succeeded', reason: Reason.QueriesTerminated, message: `${whatWasDone}${restartNote}; verified: ${verification.summary}` };
  }
  const blockers = record.ineligibleBlockers ?? [];
  const budgetSkipped = (record.skipped ?? []).filter((s) => s.reason === 'BudgetExhausted').length;
  const serverBound = record.budget?.incidentCap === undefined;
  const reason = blockers.length > 0 ? Reason.BlockerNotEligible : budgetSkipped > 0 && serverBound ? Reason.TerminationBudgetExhausted : Reason.SymptomRemains;
  const b = record.budget;
  const evidence = [
    ...blockers.slice(0, 3).map(describeBlocker),
    ...(budgetSkipped > 0 && b ? [`${plural(budgetSkipped, 'eligible session', 'eligible sessions')} left: ${serverBound
      ? `termination budget of ${b.max} per ${b.windowSeconds}s for this server spent${b.nextUnitAt ? ` (next unit at ${b.nextUnitAt})` : ''}`
      : `spec.database.maxTerminations (${b.incidentCap}) reached for this incident`}`] : []),
  ];
  return { ...out, state: 'Failed', reason, message: [`${whatWasDone}${restartNote}`, `still: ${verification.summary}`, ...evidence].join('; ').slice(0, 1000) };
}

/** plan → persist → execute, as the reconciler drives it (tests, and callers without a two-step protocol). */
export async function runTerminationPass(deps: TerminationPassDeps, input: PlanInput & { persist(record: QueryTerminationRecord): Promise<void> }): Promise<QueryTerminationRecord> {
  const planned = await planTerminations(deps, input);
  if (planned.state !== 'Intended') return planned;
  await input.persist(planned);
  return executeTerminations(deps, { client: input.client, thresholdSeconds: input.thresholdSeconds, record: planned });
}
