/**
 * The ControllerRevision fields the operator reads (name, owner, revision number, hash label, the pod template in
 * `data`), nothing else: `kubectl apply` copies its last-applied-configuration annotation (the whole manifest,
 * env values included) onto every revision, and nothing of it is needed.
 */
import type * as k8s from '@kubernetes/client-node';

export function projectControllerRevision(r: k8s.V1ControllerRevision): k8s.V1ControllerRevision {
  const m = r.metadata ?? {};
  return {
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, labels: m.labels,
      ownerReferences: m.ownerReferences?.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller })),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    revision: r.revision,
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- client-node types `data` as any: the revision's patch, read as unknown downstream
    data: r.data,
  };
}
