/**
 * Is the operator's cache of the target as new as the API server's object, before a diagnosis is made from
 * it? A diagnosis from a cache a moment behind can see a rollout still in progress that has finished, and
 * page "no known good revision" for a target that is healthy. So the diagnosis waits (briefly, bounded) for
 * the cache to reach the live resourceVersion; a target updated so often that the cache never matches is
 * diagnosed from the cache after the bound, and the diagnosis says so. Pure: versions, times, the bound.
 */

export interface FreshnessInput {
  /** The cached object's metadata.resourceVersion (absent: not in the cache). */
  cachedVersion?: string;
  /** The live object's metadata.resourceVersion; null when the API server says it does not exist. */
  liveVersion: string | null;
  /** When this reconcile's key was first seen behind (absent: not behind before). */
  behindSince?: Date;
  now: Date;
  /** How long to wait for the cache at most (then diagnose from the cache, saying so). */
  maxWaitMs: number;
}

export type Freshness =
  | { verdict: 'fresh' }
  | { verdict: 'wait'; behindSince: Date }
  | { verdict: 'stale'; waitedMs: number; message: string };

/** resourceVersions are opaque: only equality is meaningful (Kubernetes API conventions). */
export function decideCacheFreshness(input: FreshnessInput): Freshness {
  const cached = input.cachedVersion ?? null;
  if (cached === input.liveVersion) return { verdict: 'fresh' };
  const since = input.behindSince ?? input.now;
  const waitedMs = Math.max(0, input.now.getTime() - since.getTime());
  if (waitedMs < input.maxWaitMs) return { verdict: 'wait', behindSince: since };
  return {
    verdict: 'stale', waitedMs,
    message: `the operator's cache of the target stayed behind the API server for ${Math.round(waitedMs / 1000)} s (the target changes faster than the watch delivers): diagnosed from the cache`,
  };
}
