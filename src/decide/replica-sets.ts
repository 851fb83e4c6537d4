/**
 * Ownership and revision helpers shared by the decisions: which ReplicaSets a
 * Deployment controls, which pods a ReplicaSet controls, and the revision
 * number the Deployment controller stamped on each ReplicaSet.
 */
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  type KubeDeployment,
  type KubeObjectMeta,
  type KubePod,
  type KubeReplicaSet,
  type KubeTime,
} from './kube-types.js';
import { controllerRefOf } from './owner-references.js';

export { controllerRefOf } from './owner-references.js';

export interface RevisionedReplicaSet {
  readonly revision: number;
  readonly replicaSet: KubeReplicaSet;
}

const REVISION_PATTERN = /^(0|[1-9][0-9]*)$/;

/** Parses a `deployment.kubernetes.io/revision` value; undefined when absent or not a non-negative integer. */
export function parseRevision(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!REVISION_PATTERN.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function revisionOf(obj: { readonly metadata?: KubeObjectMeta } | undefined): number | undefined {
  return parseRevision(obj?.metadata?.annotations?.[REVISION_ANNOTATION]);
}

export function templateHashOf(rs: KubeReplicaSet): string | undefined {
  return (
    rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ??
    rs.spec?.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]
  );
}


function isControlledBy(
  meta: KubeObjectMeta | undefined,
  kind: string,
  owner: KubeObjectMeta | undefined,
): boolean {
  const ref = controllerRefOf(meta);
  if (ref === undefined || ref.kind !== kind) return false;
  if (owner?.uid !== undefined && ref.uid !== undefined) return ref.uid === owner.uid;
  return owner?.name !== undefined && ref.name === owner.name;
}

/**
 * ReplicaSets controlled by the Deployment (controller ownerReference, matched
 * by uid when both sides carry one, else by name) in the same namespace, with
 * a parseable revision, sorted newest (highest revision) first.
 */
export function ownedReplicaSets(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
): RevisionedReplicaSet[] {
  const ns = deployment.metadata?.namespace;
  const out: RevisionedReplicaSet[] = [];
  for (const rs of replicaSets) {
    if (ns !== undefined && rs.metadata?.namespace !== undefined && rs.metadata.namespace !== ns) continue;
    if (!isControlledBy(rs.metadata, 'Deployment', deployment.metadata)) continue;
    const revision = revisionOf(rs);
    if (revision === undefined) continue;
    out.push({ revision, replicaSet: rs });
  }
  return out.sort(
    (a, b) => b.revision - a.revision || compareStrings(a.replicaSet.metadata?.name, b.replicaSet.metadata?.name),
  );
}

/** The owned ReplicaSet (from `owned`) that controls the pod, if any. */
export function replicaSetOfPod(
  pod: KubePod,
  owned: readonly RevisionedReplicaSet[],
): RevisionedReplicaSet | undefined {
  return owned.find((entry) => isControlledBy(pod.metadata, 'ReplicaSet', entry.replicaSet.metadata));
}

/**
 * The Deployment's current revision: its own revision annotation when present,
 * else the highest owned ReplicaSet revision, else undefined.
 */
export function currentRevisionOf(
  deployment: KubeDeployment,
  owned: readonly RevisionedReplicaSet[],
): number | undefined {
  return revisionOf(deployment) ?? owned[0]?.revision;
}

/** RFC 3339 / ISO 8601 string for a KubeTime, or undefined if absent or unparseable. */
export function toIsoTime(value: KubeTime | null | undefined): string | undefined {
  const ms = toEpochMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function toEpochMs(value: KubeTime | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export function compareStrings(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
