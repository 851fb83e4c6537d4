/**
 * Gather, checked against the API server: one live read of the target's resourceVersion when the cache
 * misses it (a lagging cache is never taken for "not found") and before a diagnosis is made from the cache
 * (the diagnosis waits, bounded, for the cache to reach the live object: src/decide/cache-freshness.ts).
 * Between diagnoses nothing is read live: monitoring and escalation decide from the cache.
 */
import { decideCacheFreshness } from '../decide/cache-freshness.js';
import type { TargetVersion } from '../ports/diagnosis.js';
import type { TargetSnapshot } from '../ports/target.js';
import type { ReconcileContext } from './reconcile-context.js';
import { targetFound } from './statefulset-snapshot.js';

/** How long a diagnosis waits for the cache to reach the live target before it is made from the cache. */
export const CACHE_WAIT_MS = 10_000;

/** Will this reconcile diagnose (the diagnosis of this generation is not made yet)? */
export function diagnosisDue(ctx: ReconcileContext): boolean {
  const phase = ctx.status.phase;
  if (phase !== 'Pending' && phase !== 'Diagnosing') return false;
  return !ctx.diagnosis || ctx.diagnosis.generation !== (ctx.generation ?? 0);
}

export interface FreshnessDeps {
  targetVersion?: TargetVersion;
  /** Per Incident key: since when its target's cache was seen behind (the reconciler keeps it). */
  behind: Map<string, Date>;
}

/** 'cache-behind': requeue shortly; 'ok' with ctx.cacheNote set when the diagnosis is made from a lagging cache. */
export async function confirmTargetLive(ctx: ReconcileContext, target: TargetSnapshot, kind: 'Deployment' | 'StatefulSet', deps: FreshnessDeps): Promise<'ok' | 'cache-behind'> {
  const found = targetFound(target);
  const due = diagnosisDue(ctx);
  if (!deps.targetVersion || !ctx.targetName || (found && !due)) return 'ok';
  const live = await deps.targetVersion(ctx.namespace, ctx.targetName, kind);
  // A cache miss of an object that exists is always the cache lagging: never "not found" (not bounded).
  if (!found) return live !== null ? 'cache-behind' : 'ok';
  const workload = target.deployment ?? target.statefulSet;
  const f = decideCacheFreshness({ cachedVersion: workload?.metadata?.resourceVersion, liveVersion: live, behindSince: deps.behind.get(ctx.key), now: ctx.now, maxWaitMs: CACHE_WAIT_MS });
  if (f.verdict === 'wait') { deps.behind.set(ctx.key, f.behindSince); return 'cache-behind'; }
  deps.behind.delete(ctx.key);
  if (f.verdict === 'stale') ctx.cacheNote = f.message;
  return 'ok';
}
