/**
 * StatefulSet rollback (issue 15), the way `kubectl rollout undo statefulset --to-revision=N` does it: the
 * ControllerRevision N owned by the StatefulSet holds the pod template (`data.spec.template`); the rollback
 * puts it back on the StatefulSet, with a `test` op on metadata.resourceVersion. Pure.
 * Refused where a rollback would not take effect: `updateStrategy: OnDelete` (pods only change when deleted)
 * and a RollingUpdate `partition` > 0 (only ordinals >= partition would be rolled back).
 * Wired by src/remediate/statefulset-rollback.ts (the adapter) for Incidents whose target kind is StatefulSet.
 */
import { Reason } from '../api/reasons.js';
import type { KubeObjectMeta } from './kube-types.js';

export interface KubeControllerRevision {
  readonly metadata?: KubeObjectMeta;
  readonly revision?: number;
  readonly data?: unknown;
}

export interface KubeStatefulSet {
  readonly metadata?: KubeObjectMeta;
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: unknown;
    readonly podManagementPolicy?: string;
    readonly updateStrategy?: { readonly type?: string; readonly rollingUpdate?: { readonly partition?: number } };
  };
  readonly status?: {
    readonly currentRevision?: string; readonly updateRevision?: string; readonly observedGeneration?: number;
    readonly replicas?: number; readonly readyReplicas?: number; readonly availableReplicas?: number;
    readonly updatedReplicas?: number; readonly currentReplicas?: number;
  };
}

export type StatefulSetRollbackPlan =
  | { action: 'Refuse'; reason: string; message: string }
  | { action: 'Skip'; message: string; toRevision: number }
  | { action: 'Patch'; fromRevision: number; toRevision: number; toControllerRevision: string; patch: { op: 'test' | 'replace' | 'add'; path: string; value: unknown }[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ControllerRevisions the StatefulSet controls, newest first. */
export function ownedControllerRevisions(sts: KubeStatefulSet, revisions: readonly KubeControllerRevision[]): KubeControllerRevision[] {
  const uid = sts.metadata?.uid;
  return revisions
    .filter((r) => (r.metadata?.ownerReferences ?? []).some((o) => o.kind === 'StatefulSet' && o.controller === true && (uid && o.uid ? o.uid === uid : o.name === sts.metadata?.name)))
    .filter((r) => typeof r.revision === 'number')
    .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
}

/** The pod template a ControllerRevision holds (undefined when it has none). */
export function templateOf(r: KubeControllerRevision): unknown {
  const spec = isRecord(r.data) ? r.data.spec : undefined;
  if (!isRecord(spec) || !isRecord(spec.template)) return undefined;
  // The revision's data is a strategic merge patch: drop its directive, keep the template.
  const { $patch: _directive, ...template } = spec.template;
  return template;
}

/** toRevision: the revision to go back to; default: the newest one older than the update revision. */
export function planStatefulSetRollback(sts: KubeStatefulSet, revisions: readonly KubeControllerRevision[], toRevision?: number): StatefulSetRollbackPlan {
  const name = sts.metadata?.name ?? '';
  const strategy = sts.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') {
    return { action: 'Refuse', reason: Reason.StatefulSetOnDelete, message: `not rolling back StatefulSet ${name}: updateStrategy OnDelete changes pods only when they are deleted, so a rollback would not take effect by itself` };
  }
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    return { action: 'Refuse', reason: Reason.StatefulSetPartitioned, message: `not rolling back StatefulSet ${name}: rollingUpdate.partition is ${partition}, so only ordinals >= ${partition} would roll back (a staged rollout a person controls)` };
  }
  const owned = ownedControllerRevisions(sts, revisions);
  const update = owned.find((r) => r.metadata?.name === sts.status?.updateRevision) ?? owned[0];
  if (!update) return { action: 'Refuse', reason: Reason.RevisionNotFound, message: `StatefulSet ${name} has no ControllerRevisions` };
  const fromRevision = update.revision ?? 0;
  const target = toRevision !== undefined ? owned.find((r) => r.revision === toRevision) : owned.find((r) => (r.revision ?? 0) < fromRevision);
  if (!target || templateOf(target) === undefined) {
    return { action: 'Refuse', reason: Reason.RevisionNotFound, message: `StatefulSet ${name}: no ControllerRevision ${toRevision ?? `older than ${fromRevision}`} with a pod template` };
  }
  if (target === update) return { action: 'Skip', message: `StatefulSet ${name} is already at revision ${fromRevision}`, toRevision: fromRevision };
  const rv = sts.metadata?.resourceVersion;
  if (!rv) return { action: 'Refuse', reason: Reason.RevisionNotFound, message: `StatefulSet ${name} has no resourceVersion` };
  return {
    action: 'Patch', fromRevision, toRevision: target.revision ?? 0, toControllerRevision: target.metadata?.name ?? '',
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: rv },
      { op: 'replace', path: '/spec/template', value: templateOf(target) },
    ],
  };
}
