/**
 * The StatefulSet rollback's side effects: one JSON patch (resourceVersion test, the ControllerRevision's pod
 * template, the operator's record in the annotations), then the pods of the bad revision that are not ready
 * are deleted (with a uid precondition) so the StatefulSet controller recreates them from the good template —
 * without that an OrderedReady StatefulSet waits for the broken pod forever (Kubernetes' "forced rollback").
 */
import type * as k8s from '@kubernetes/client-node';
import type { KubePod } from '../decide/kube-types.js';
import type { PatchOp } from '../decide/statefulset-remediation.js';
import { jsonPatch } from '../kube/clients.js';
import { isNotFound, statusCode } from '../runtime/kube-errors.js';
import type { PatchOutcome } from './rollback-executor.js';

export async function applyStatefulSetPatch(apps: k8s.AppsV1Api, namespace: string, name: string, patch: PatchOp[]): Promise<PatchOutcome> {
  try {
    const s = await apps.patchNamespacedStatefulSet({ name, namespace, body: patch }, jsonPatch());
    return { ok: true, resourceVersion: s.metadata?.resourceVersion };
  } catch (e) {
    const code = statusCode(e);
    const conflict = code === 422 || code === 409;
    return { ok: false, conflict, error: e, message: conflict ? 'the StatefulSet changed since the decision (resourceVersion test failed)' : `patch failed (HTTP ${code ?? 'error'})` };
  }
}

/** Deletes the given pods (each only if it is still the same pod); the names deleted or already gone. */
export async function restartPods(core: k8s.CoreV1Api, namespace: string, pods: readonly KubePod[]): Promise<string[]> {
  const done: string[] = [];
  for (const p of pods) {
    const name = p.metadata?.name;
    if (!name) continue;
    const uid = p.metadata?.uid;
    try {
      await core.deleteNamespacedPod({ name, namespace, body: uid ? { preconditions: { uid } } : {} });
      done.push(name);
    } catch (e) {
      // Gone already, or replaced by a new pod of the same name (uid precondition: 409): nothing to restart.
      if (isNotFound(e) || statusCode(e) === 409) { done.push(name); continue; }
      throw e;
    }
  }
  return done;
}
