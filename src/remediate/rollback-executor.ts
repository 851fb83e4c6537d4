/**
 * rollbackToLastKnownGood, the side effect: one JSON patch on the Deployment whose first op tests
 * metadata.resourceVersion (a concurrent deploy makes it fail with 422/409 instead of being clobbered).
 * The same patch records the rollback on the Deployment itself (rate-limit history and the incident
 * that did it), atomically, so a restart can tell "already done" from "never happened".
 */
import type * as k8s from '@kubernetes/client-node';
import type { JsonPatchOp, RollbackPlan } from '../decide/rollback-plan.js';
import type { KubeDeployment } from '../decide/kube-types.js';
import { appendRollbackHistory, ROLLBACK_HISTORY_ANNOTATION } from '../decide/rollback-guards.js';
import { jsonPatch } from '../kube/clients.js';
import { statusCode } from '../runtime/kube-errors.js';
import { Annotation } from '../api/reasons.js';

export const ROLLED_BACK_BY_ANNOTATION = Annotation.rolledBackBy;
const PRESERVED_PREFIX = 'runbook.dev/';

export type PatchPlan = Extract<RollbackPlan, { action: 'Patch' }>;

/** The plan's patch, plus our own annotations (kubectl's algorithm would drop them). Pure. */
export function withRollbackRecord(plan: PatchPlan, deployment: KubeDeployment, incidentUid: string, now: Date): JsonPatchOp[] {
  const own = deployment.metadata?.annotations ?? {};
  return plan.patch.map((op) => {
    if (op.op !== 'replace' || op.path !== '/metadata/annotations') return op;
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(op.value ?? {})) if (typeof v === 'string') annotations[k] = v;
    for (const [k, v] of Object.entries(own)) if (k.startsWith(PRESERVED_PREFIX)) annotations[k] = v;
    annotations[ROLLBACK_HISTORY_ANNOTATION] = appendRollbackHistory(own[ROLLBACK_HISTORY_ANNOTATION], now);
    annotations[ROLLED_BACK_BY_ANNOTATION] = `${incidentUid}/r${plan.toRevision}`;
    return { op: 'replace', path: op.path, value: annotations };
  });
}

/** Was this incident's rollback already applied (e.g. before an operator restart)? */
export function rollbackAlreadyApplied(deployment: KubeDeployment, incidentUid: string): boolean {
  return (deployment.metadata?.annotations?.[ROLLED_BACK_BY_ANNOTATION] ?? '').startsWith(`${incidentUid}/`);
}

export type PatchOutcome =
  | { ok: true; resourceVersion?: string }
  | { ok: false; conflict: boolean; message: string; error?: unknown };

export async function applyRollbackPatch(
  apps: k8s.AppsV1Api,
  namespace: string,
  name: string,
  patch: JsonPatchOp[],
): Promise<PatchOutcome> {
  try {
    const d = await apps.patchNamespacedDeployment({ name, namespace, body: patch }, jsonPatch());
    return { ok: true, resourceVersion: d.metadata?.resourceVersion };
  } catch (e) {
    const code = statusCode(e);
    // A failed `test` op is 422 (UnprocessableEntity); a stale resourceVersion can also surface as 409.
    const conflict = code === 422 || code === 409;
    return { ok: false, conflict, error: e, message: conflict ? 'the Deployment changed since the decision (resourceVersion test failed)' : `patch failed (HTTP ${code ?? 'error'})` };
  }
}
