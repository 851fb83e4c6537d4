/**
 * Adapter: TokenReview and SubjectAccessReview on the API server, for /metrics under METRICS_AUTH=kubernetes
 * (src/server/metrics-auth.ts). Needs `create` on tokenreviews and subjectaccessreviews (the chart grants it
 * when metrics.auth is kubernetes). Each review is bounded by a timeout.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubernetesReviews } from '../server/metrics-auth.js';
import { systemScheduler, withTimeout } from '../runtime/clock.js';

const REVIEW_TIMEOUT_MS = 5_000;

export function kubernetesReviews(kc: k8s.KubeConfig): KubernetesReviews {
  const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const bounded = <T>(p: Promise<T>) => withTimeout(p, REVIEW_TIMEOUT_MS, systemScheduler, () => new Error(`access review timed out after ${REVIEW_TIMEOUT_MS} ms`));
  return {
    async reviewToken(token) {
      const r = await bounded(authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } }));
      const u = r.status?.user;
      return {
        authenticated: r.status?.authenticated === true,
        ...(u ? { user: { username: u.username, uid: u.uid, groups: u.groups, extra: u.extra } } : {}),
      };
    },
    async reviewAccess(user, path, verb) {
      const r = await bounded(authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path, verb } },
        },
      }));
      return { allowed: r.status?.allowed === true && r.status?.denied !== true };
    },
  };
}
