/**
 * Recording a StatefulSet's proven-good revision (issue 15), as for Deployments: once every replica has been ready
 * at the update revision for the stable window, `runbook.dev/last-known-good` on the StatefulSet records it as
 * `{"revision":N,"templateHash":"<controller.kubernetes.io/hash of its ControllerRevision>","recordedAt":"..."}`.
 * The hash survives the renumbering a rollback does (the ControllerRevision is reused). Pure; the caller says the
 * StatefulSet is healthy (isStatefulSetHealthy) and since when it has seen it so.
 */
import { Label } from '../api/reasons.js';
import { formatLastKnownGood, LAST_KNOWN_GOOD_ANNOTATION, parseLastKnownGood } from './rollout-history.js';
import { updateRevisionOf } from './statefulset-history.js';
import { ownedControllerRevisions, type KubeControllerRevision, type KubeStatefulSet } from './statefulset-rollback.js';

export interface StatefulSetKnownGoodAssessment {
  readonly reason: 'Recordable' | 'AlreadyRecorded' | 'ScaledToZero' | 'NoUpdateRevision' | 'StableWindowPending';
  readonly message: string;
  /** The annotation value to write, or null. */
  readonly annotationValue: string | null;
  readonly requeueAfterSeconds?: number;
}

export function assessStatefulSetKnownGood(sts: KubeStatefulSet, revisions: readonly KubeControllerRevision[], now: Date, stableWindowSeconds: number, healthySince: Date): StatefulSetKnownGoodAssessment {
  const no = (reason: StatefulSetKnownGoodAssessment['reason'], message: string, requeueAfterSeconds?: number): StatefulSetKnownGoodAssessment =>
    ({ reason, message, annotationValue: null, ...(requeueAfterSeconds !== undefined ? { requeueAfterSeconds } : {}) });
  if ((sts.spec?.replicas ?? 1) === 0) return no('ScaledToZero', 'scaled to zero; nothing proves the revision healthy');
  const update = updateRevisionOf(sts, ownedControllerRevisions(sts, revisions));
  const hash = update?.metadata?.labels?.[Label.controllerHash];
  if (!update || !hash || update.metadata?.name !== sts.status?.updateRevision) return no('NoUpdateRevision', 'the update revision\'s ControllerRevision (and its hash) is not known');
  const revision = update.revision ?? 0;
  if (parseLastKnownGood(sts.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION])?.templateHash === hash) return no('AlreadyRecorded', `revision ${revision} (hash ${hash}) is already recorded`);
  const elapsedMs = now.getTime() - healthySince.getTime();
  const windowMs = stableWindowSeconds * 1000;
  if (elapsedMs < windowMs) return no('StableWindowPending', `healthy for ${Math.max(0, Math.floor(elapsedMs / 1000))}s of ${stableWindowSeconds}s`, Math.ceil((windowMs - elapsedMs) / 1000));
  return { reason: 'Recordable', message: `revision ${revision} (hash ${hash}) has been healthy for at least ${stableWindowSeconds}s`, annotationValue: formatLastKnownGood({ revision, templateHash: hash, recordedAt: now.toISOString() }) };
}
