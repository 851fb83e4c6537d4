/**
 * Was a rollback reverted? While monitoring, the Deployment's template is compared with the bad revision's
 * ReplicaSet (by pod-template-hash, stable across the revision renumbering a rollback causes): when the bad
 * template is back, a controller (Argo CD self-heal, Flux, a CI job re-applying) undid the rollback. The
 * operator then stops and escalates with this evidence — it never rolls back again (no fight, no loop).
 * Pure.
 */
import type { RemediationStatus } from '../api/remediation.js';
import type { KubeDeployment, KubeReplicaSet } from './kube-types.js';
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
