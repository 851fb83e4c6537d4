/** Controller owner references: the one place that reads `metadata.ownerReferences`. */
import type { KubeObjectMeta, KubeOwnerReference } from './kube-types.js';

type Owned = { readonly metadata?: Pick<KubeObjectMeta, 'namespace' | 'ownerReferences'> };

/** The controller owner reference (controller: true), if any. */
export function controllerRefOf(meta: Pick<KubeObjectMeta, 'ownerReferences'> | undefined): KubeOwnerReference | undefined {
  return meta?.ownerReferences?.find((ref) => ref.controller === true);
}

/** Name of the object's controller when it is of `kind` (Pod → ReplicaSet, ReplicaSet → Deployment). */
export function controllerOwnerName(obj: Owned, kind: string): string | undefined {
  const ref = controllerRefOf(obj.metadata);
  return ref?.kind === kind ? ref.name : undefined;
}

/** Index function: `namespace/name` of the object's controller owner. */
export function controllerOwnerKey(obj: Owned): string[] {
  const ref = controllerRefOf(obj.metadata);
  return ref?.name ? [`${obj.metadata?.namespace ?? ''}/${ref.name}`] : [];
}
