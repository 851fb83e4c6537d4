/**
 * The rollback patch, computed the way `kubectl rollout undo --to-revision=N`
 * computes it (kubectl/pkg/polymorphichelpers/rollback.go), plus a `test` op
 * on `/metadata/resourceVersion` so a concurrent deploy makes the patch fail
 * instead of being silently overwritten. Pure: inputs are never mutated.
 */
import {
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  LAST_APPLIED_CONFIG_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  type KubeDeployment,
  type KubeReplicaSet,
} from './kube-types.js';
import { currentRevisionOf, ownedReplicaSets } from './replica-sets.js';
import { podTemplatesEqualIgnoringHash, templateWithoutHash, type JsonValue } from './template-equality.js';

/**
 * Annotations that stay as they are on the Deployment and are never copied
 * from the target ReplicaSet (kubectl's `annotationsToSkip`, which also lists
 * the deprecated `deprecated.deployment.rollback.to`).
 */
export const ROLLBACK_ANNOTATIONS_TO_SKIP: readonly string[] = Object.freeze([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

const SKIP = new Set(ROLLBACK_ANNOTATIONS_TO_SKIP);

export const RollbackPlanReason = {
  DeploymentPaused: 'DeploymentPaused',
  RevisionNotFound: 'RevisionNotFound',
  MissingResourceVersion: 'MissingResourceVersion',
  AlreadyAtRevision: 'AlreadyAtRevision',
  RollbackPlanned: 'RollbackPlanned',
} as const;
export type RollbackPlanReason = (typeof RollbackPlanReason)[keyof typeof RollbackPlanReason];

export type JsonPatchOp =
  | { readonly op: 'test'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'replace'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue };

export type RollbackPlan =
  | {
      readonly action: 'Refuse';
      readonly reason: 'DeploymentPaused' | 'RevisionNotFound' | 'MissingResourceVersion';
      readonly message: string;
    }
  | {
      readonly action: 'Skip';
      readonly reason: 'AlreadyAtRevision';
      readonly message: string;
      readonly toRevision: number;
    }
  | {
      readonly action: 'Patch';
      readonly reason: 'RollbackPlanned';
      readonly message: string;
      /** Current revision (Deployment's revision annotation, else highest ReplicaSet revision; 0 if unknown). */
      readonly fromRevision: number;
      readonly toRevision: number;
      /** Name of the ReplicaSet whose template is restored. */
      readonly toReplicaSet: string;
      /** RFC 6902 JSON patch (send with content type application/json-patch+json). */
      readonly patch: JsonPatchOp[];
    };

/**
 * kubectl's annotation algorithm: keep the Deployment's own values of the
 * skipped keys, then add every other annotation of the target ReplicaSet.
 * Annotations the Deployment has that the ReplicaSet lacks are dropped.
 */
export function rollbackAnnotations(
  deployment: KubeDeployment,
  target: KubeReplicaSet,
): Record<string, string> {
  const out: Record<string, string> = {};
  const own = deployment.metadata?.annotations ?? {};
  for (const key of ROLLBACK_ANNOTATIONS_TO_SKIP) {
    const value = own[key];
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(target.metadata?.annotations ?? {})) {
    if (!SKIP.has(key) && typeof value === 'string') out[key] = value;
  }
  return out;
}

export function planRollback(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
  targetRevision: number,
): RollbackPlan {
  const name = deployment.metadata?.name ?? '<unnamed>';
  if (deployment.spec?.paused === true) {
    return {
      action: 'Refuse',
      reason: 'DeploymentPaused',
      message: `cannot roll back paused deployment ${name}; resume it first (kubectl rollout resume deployment/${name})`,
    };
  }

  const owned = ownedReplicaSets(deployment, replicaSets);
  const target = Number.isSafeInteger(targetRevision) && targetRevision > 0
    ? owned.find((entry) => entry.revision === targetRevision)
    : undefined;
  if (target === undefined) {
    return {
      action: 'Refuse',
      reason: 'RevisionNotFound',
      message: `unable to find specified revision ${targetRevision} in history of deployment ${name}`,
    };
  }
  if (target.replicaSet.spec?.template?.spec === undefined) {
    return {
      action: 'Refuse',
      reason: 'RevisionNotFound',
      message: `revision ${targetRevision} of deployment ${name} has no pod template to restore`,
    };
  }

  if (podTemplatesEqualIgnoringHash(target.replicaSet.spec?.template, deployment.spec?.template)) {
    return {
      action: 'Skip',
      reason: 'AlreadyAtRevision',
      message: `skipped rollback: already at revision ${targetRevision}`,
      toRevision: targetRevision,
    };
  }

  const resourceVersion = deployment.metadata?.resourceVersion;
  if (resourceVersion === undefined || resourceVersion === '') {
    return {
      action: 'Refuse',
      reason: 'MissingResourceVersion',
      message: `deployment ${name} has no resourceVersion; re-read it from the API server before planning a rollback`,
    };
  }

  const fromRevision = currentRevisionOf(deployment, owned) ?? 0;
  const annotationsOp = deployment.metadata?.annotations === undefined ? 'add' : 'replace';
  const patch: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'replace', path: '/spec/template', value: templateWithoutHash(target.replicaSet.spec?.template) },
    { op: annotationsOp, path: '/metadata/annotations', value: rollbackAnnotations(deployment, target.replicaSet) },
  ];
  return {
    action: 'Patch',
    reason: 'RollbackPlanned',
    message: `roll back deployment ${name} from revision ${fromRevision} to revision ${targetRevision}`,
    fromRevision,
    toRevision: targetRevision,
    toReplicaSet: target.replicaSet.metadata?.name ?? '',
    patch,
  };
}
