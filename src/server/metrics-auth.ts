/**
 * Who may read /metrics. Two ways besides an open port (behind the NetworkPolicy):
 *  - `token`: one shared bearer token from a mounted Secret file (METRICS_TOKEN_FILE);
 *  - `kubernetes`: the API server decides, as controller-runtime's secure metrics serving and kube-rbac-proxy do —
 *    the scraper's bearer token is authenticated with a TokenReview, then authorized with a SubjectAccessReview
 *    for `get` on the non-resource URL `/metrics` (grant it with the `<release>-metrics-reader` ClusterRole).
 * Decisions are cached per token for a minute (allowed and refused alike; keyed by the token's SHA-256, never the
 * token), bounded in size. An API server that cannot be asked answers 503: never open, never cached.
 */
import { createHash } from 'node:crypto';
import { bearerToken, bearerTokenMatches } from '../intake/alertmanager-http.js';
import type { Clock } from '../runtime/clock.js';

export type MetricsAccess = 'Allowed' | 'Unauthenticated' | 'Forbidden' | 'Unavailable';

/** Decides one request from its Authorization header. */
export type MetricsAuthorizer = (authorization: string | undefined) => Promise<MetricsAccess>;

/** The user a TokenReview returned (what the SubjectAccessReview is asked about). */
export interface ReviewedUser { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

export interface KubernetesReviews {
  /** TokenReview: authenticated, and as whom. */
  reviewToken(token: string): Promise<{ authenticated: boolean; user?: ReviewedUser }>;
  /** SubjectAccessReview for a non-resource URL and verb. */
  reviewAccess(user: ReviewedUser, path: string, verb: string): Promise<{ allowed: boolean }>;
}

export const METRICS_PATH = '/metrics';
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 1024;

export { bearerToken } from '../intake/alertmanager-http.js';

/** One shared token from a file (re-read by the reader given). */
export function fileTokenAuthorizer(expected: () => string | undefined): MetricsAuthorizer {
  return (header) => Promise.resolve(bearerTokenMatches(header, expected()) ? 'Allowed' : 'Unauthenticated');
}

export function kubernetesMetricsAuthorizer(reviews: KubernetesReviews, clock: Clock, opts: { ttlMs?: number; maxEntries?: number } = {}): MetricsAuthorizer {
  const ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const cache = new Map<string, { access: Exclude<MetricsAccess, 'Unavailable'>; at: number }>();
  const remember = (key: string, access: Exclude<MetricsAccess, 'Unavailable'>) => {
    cache.delete(key);
    cache.set(key, { access, at: clock.now().getTime() });
    while (cache.size > max) cache.delete(cache.keys().next().value!);
  };
  return async (header) => {
    const token = bearerToken(header);
    if (!token) return 'Unauthenticated';
    const key = createHash('sha256').update(token).digest('hex');
    const hit = cache.get(key);
    const now = clock.now().getTime();
    if (hit && now - hit.at < ttl && now >= hit.at) return hit.access;
    try {
      const review = await reviews.reviewToken(token);
      if (!review.authenticated || !review.user) { remember(key, 'Unauthenticated'); return 'Unauthenticated'; }
      const access = (await reviews.reviewAccess(review.user, METRICS_PATH, 'get')).allowed ? 'Allowed' : 'Forbidden';
      remember(key, access);
      return access;
    } catch {
      return 'Unavailable';
    }
  };
}
