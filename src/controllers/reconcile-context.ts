/**
 * The per-reconcile context of the Incident controller: what one reconcile read, decided and wants to
 * say. Steps read and update it; only the reconciler writes it to the API server.
 */
import type { Incident, IncidentStatus, Phase } from '../api/incident.js';
import type { DiagnosisStatus } from '../api/diagnosis.js';
import type { Condition } from '../api/incident.js';
import { appendTimeline, setCondition } from '../decide/status-ops.js';
import type { TargetSnapshot } from '../ports/target.js';
import type { TimelineNote } from '../ports/remediation.js';

export interface NewEvent { type: 'Normal' | 'Warning'; reason: string; message: string }

export interface ReconcileContext {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly now: Date;
  readonly reconcileId: string;
  /** metadata.generation of the Incident read at the start. */
  readonly generation: number | undefined;
  /** The Incident as last read or written. */
  incident: Incident;
  /** The status being built (a copy; written at the end, or earlier as intent). */
  status: IncidentStatus;
  /** Events to record after the status write (off the critical path of a rollback). */
  events: NewEvent[];
  /** Requeue delays asked for by the steps; the shortest wins. */
  requeue: (number | undefined)[];
  /** spec.target.name */
  targetName?: string;
  target?: TargetSnapshot;
  diagnosis?: DiagnosisStatus;
  /** Fresh database verdict while monitoring a database incident (undefined: not checked). */
  databaseHealthy?: boolean;
  /** Set when the diagnosis is made from a cache that stayed behind the API server (src/controllers/target-freshness.ts). */
  cacheNote?: string;
}

export function newContext(init: Pick<ReconcileContext, 'key' | 'namespace' | 'name' | 'now' | 'reconcileId' | 'incident'>): ReconcileContext {
  return {
    ...init,
    generation: init.incident.metadata.generation,
    status: structuredClone(init.incident.status ?? {}),
    events: [],
    requeue: [],
    targetName: init.incident.spec.target?.name,
  };
}

/** Adds a timeline entry and the matching Event. */
export function note(ctx: ReconcileContext, n: TimelineNote): void {
  ctx.status = appendTimeline(ctx.status, { time: ctx.now.toISOString(), phase: ctx.status.phase, type: n.type, reason: n.reason, message: n.message });
  ctx.events.push({ type: n.warn ? 'Warning' : 'Normal', reason: n.reason, message: n.message });
}

/** Sets a condition at this reconcile's time and generation. */
export function condition(ctx: ReconcileContext, c: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>): void {
  ctx.status.conditions = setCondition(ctx.status.conditions, c, ctx.now, ctx.generation);
}

/** Moves to `to` with a timeline entry `Phase<to>` (no-op when already there). */
export function transition(ctx: ReconcileContext, to: Phase, reason: string, message: string, warn = false): void {
  if (ctx.status.phase === to) return;
  ctx.status.phase = to;
  ctx.status.phaseReason = reason || to;
  note(ctx, { type: `Phase${to}`, reason: reason || to, message: message || `phase ${to}`, warn });
}

export function isTerminal(phase: Phase | undefined): boolean {
  return phase === 'Resolved' || phase === 'Failed';
}

/** The shortest positive requeue asked for; open incidents come back within 5 minutes at the latest. */
export function requeueAfter(ctx: ReconcileContext): { requeueAfterMs: number } | undefined {
  const waits = ctx.requeue.filter((x): x is number => typeof x === 'number' && x > 0);
  if (isTerminal(ctx.status.phase)) return waits.length ? { requeueAfterMs: Math.min(...waits) } : undefined;
  return { requeueAfterMs: Math.min(...waits, 5 * 60_000) };
}
