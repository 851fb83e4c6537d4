/**
 * Was a rollback reverted? While monitoring, the Deployment's template is compared with the bad revision's
 * ReplicaSet (by pod-template-hash, stable across the revision renumbering a rollback causes): when the bad
 * template is back, a controller (Argo CD self-heal, Flux, a CI job re-applying) undid the rollback. The
 * operator then stops and escalates with this evidence — it never rolls back again (no fight, no loop).
 * A StatefulSet's revert shows in its status: the controller reuses the ControllerRevision of an equal template, so
 * once it has observed a change after the rollback patch, an update revision that is the bad one again is a revert.
 * Pure.
 */
import type { RemediationStatus } from '../api/remediation.js';
import type { KubeDeployment, KubeReplicaSet } from './kube-types.js';
import type { KubeStatefulSet } from './statefulset-rollback.js';
import { ownedReplicaSets, templateHashOf } from './replica-sets.js';
import { podTemplatesEqualIgnoringHash } from './template-equality.js';

export interface RevertCheck { reverted: boolean; message: string }

export function detectRollbackReverted(
  record: RemediationStatus | undefined,
  deployment: KubeDeployment | undefined,
  replicaSets: readonly KubeReplicaSet[],
  ownerMessage?: string,
): RevertCheck {
  if (!record || record.action !== 'Rollback' || record.state !== 'Succeeded' || !record.fromTemplateHash || !deployment) return { reverted: false, message: '' };
  const owned = ownedReplicaSets(deployment, replicaSets);
  const bad = owned.find((r) => templateHashOf(r.replicaSet) === record.fromTemplateHash);
  if (!bad || !podTemplatesEqualIgnoringHash(deployment.spec?.template, bad.replicaSet.spec?.template)) return { reverted: false, message: '' };
  const name = deployment.metadata?.name ?? '';
  const by = ownerMessage ? ` (${ownerMessage})` : '';
  return {
    reverted: true,
    message: `rollback reverted: after the rollback to revision ${record.toRevision ?? '?'} (template ${record.toTemplateHash ?? '?'}), ` +
      `Deployment ${name} runs the bad template ${record.fromTemplateHash} of revision ${record.fromRevision ?? '?'} again (now revision ${bad.revision})${by}; ` +
      'not rolling back again: fix the source of the manifest',
  };
}

export function detectStatefulSetRollbackReverted(record: RemediationStatus | undefined, sts: KubeStatefulSet | undefined, ownerMessage?: string): RevertCheck {
  const bad = record?.statefulSet?.fromControllerRevision;
  if (!record || record.action !== 'Rollback' || record.state !== 'Succeeded' || !bad || !sts || record.fromGeneration === undefined) return { reverted: false, message: '' };
  // Observed after the rollback patch (fromGeneration + 1): the controller has seen a later change, and rolled to the bad revision.
  const observed = sts.status?.observedGeneration ?? 0;
  if (observed <= record.fromGeneration + 1 || sts.status?.updateRevision !== bad) return { reverted: false, message: '' };
  const by = ownerMessage ? ` (${ownerMessage})` : '';
  return {
    reverted: true,
    message: `rollback reverted: after the rollback to revision ${record.toRevision ?? '?'} (ControllerRevision ${record.statefulSet?.toControllerRevision ?? '?'}), ` +
      `StatefulSet ${sts.metadata?.name ?? ''} rolls to the bad ControllerRevision ${bad} of revision ${record.fromRevision ?? '?'} again${by}; ` +
      'not rolling back again: fix the source of the manifest',
  };
}
