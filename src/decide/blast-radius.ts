/**
 * The cluster-wide blast-radius budget for automatic rollbacks (issue 15): at most `max` rollbacks per
 * `windowSeconds` across every watched namespace (default 5 per minute). Pure.
 *
 * Counted from three sources, per Deployment the largest of them (they overlap, never added up):
 *  - the `runbook.dev/rollback-history` annotation on each Deployment in the cache — written atomically with
 *    the rollback patch, so it survives operator restarts and leader changes;
 *  - rollback intents recorded in Incidents (status.remediation Intended) — decided, maybe not yet patched;
 *  - this process's in-memory reservations — the caches lag behind our own writes, and workers decide
 *    concurrently, so a slot is reserved synchronously the moment it is granted.
 * A slot, once granted, stays counted even if the rollback then fails (conservative).
 */

import type { Incident } from '../api/incident.js';
import { parseRollbackHistory, ROLLBACK_HISTORY_ANNOTATION } from './rollback-guards.js';
import { parseTime } from './time.js';

export interface BlastRadiusBudget { max: number; windowSeconds: number }

interface Workload { metadata?: { namespace?: string; name?: string; annotations?: Record<string, string> } }

/**
 * The first two sources, read from the caches: rollback-history annotations of every workload (Deployments and
 * StatefulSets) and rollback intents recorded in Incidents. One reading for the slow path and the fast path.
 */
export function rollbacksOnRecord(workloads: readonly Workload[], incidents: readonly Incident[]): Pick<BlastRadiusInput, 'annotated' | 'intended'> {
  const annotated = new Map<string, Date[]>();
  for (const w of workloads) {
    const h = parseRollbackHistory(w.metadata?.annotations?.[ROLLBACK_HISTORY_ANNOTATION]);
    if (h.length > 0) annotated.set(`${w.metadata?.namespace}/${w.metadata?.name}`, h);
  }
  const intended = new Map<string, Date[]>();
  for (const i of incidents) {
    const r = i.status?.remediation;
    const at = r?.state === 'Intended' && r.action === 'Rollback' ? parseTime(r.intendedAt) : undefined;
    if (at && i.spec.target?.name) intended.set(`${i.metadata.namespace}/${i.spec.target.name}`, [at]);
  }
  return { annotated, intended };
}

export interface BlastRadiusInput {
  now: Date;
  budget: BlastRadiusBudget;
  /** Per Deployment (`namespace/name`): rollback times from its history annotation. */
  annotated: ReadonlyMap<string, readonly Date[]>;
  /** Per Deployment: times of rollback intents recorded in Incidents. */
  intended: ReadonlyMap<string, readonly Date[]>;
  /** Per Deployment: slots this process reserved. */
  reserved: ReadonlyMap<string, readonly Date[]>;
}

export type BlastRadiusDecision =
  | { allowed: true; used: number; max: number }
  | { allowed: false; used: number; max: number; retryAt: Date; message: string };

export function decideBlastRadius(input: BlastRadiusInput): BlastRadiusDecision {
  const { now, budget } = input;
  const windowMs = budget.windowSeconds * 1000;
  const since = now.getTime() - windowMs;
  const keys = new Set([...input.annotated.keys(), ...input.intended.keys(), ...input.reserved.keys()]);
  const counted: number[] = [];
  for (const key of keys) {
    const lists = [input.annotated.get(key), input.intended.get(key), input.reserved.get(key)]
      .map((l) => (l ?? []).map((d) => d.getTime()).filter((t) => t > since && t <= now.getTime() + 5_000));
    const longest = lists.reduce((a, b) => (b.length > a.length ? b : a), [] as number[]);
    counted.push(...longest);
  }
  const used = counted.length;
  if (used < budget.max) return { allowed: true, used, max: budget.max };
  // The earliest time enough slots have left the window for one more rollback.
  counted.sort((a, b) => a - b);
  const freeing = counted[used - budget.max] ?? now.getTime();
  const retryAt = new Date(Math.max(now.getTime() + 1000, freeing + windowMs + 250));
  return {
    allowed: false, used, max: budget.max, retryAt,
    message: `cluster-wide blast-radius budget spent: ${used} automatic rollbacks in the last ${budget.windowSeconds}s (at most ${budget.max}); waiting until ${retryAt.toISOString()}`,
  };
}

/** An in-memory ledger of granted slots (one per process; the leader decides). */
export class BlastRadiusLedger {
  private readonly slots = new Map<string, Date[]>();

  reserve(key: string, at: Date): void {
    const list = this.slots.get(key) ?? [];
    list.push(at);
    this.slots.set(key, list.slice(-20));
  }

  snapshot(now: Date, windowSeconds: number): Map<string, Date[]> {
    const since = now.getTime() - windowSeconds * 1000;
    const out = new Map<string, Date[]>();
    for (const [k, v] of this.slots) {
      const live = v.filter((d) => d.getTime() > since);
      if (live.length > 0) out.set(k, live); else this.slots.delete(k);
    }
    return out;
  }
}
