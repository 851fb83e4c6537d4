/**
 * Diagnosis of a StatefulSet target (issue 15): its pods (owned by the StatefulSet directly), their health per
 * revision (a pod's revision is its `controller-revision-hash` label = the ControllerRevision's name), and the
 * rollout history from the ControllerRevisions, with the last known good revision and the rule that chose it:
 *   1. Recorded   — the StatefulSet's runbook.dev/last-known-good record, matched by the revision's hash;
 *   2. HealthyPods — the newest revision older than the update revision whose pods are all ready, none crash-looping;
 *   3. PreviousRevisionFallback — the newest revision older than the update revision, never verified healthy;
 *   4. None.
 * Pure. Only names, numbers and images reach the record (the same default-deny as for Deployments).
 */
import type { PodHealth } from '../api/pod-health.js';
import { Label } from '../api/reasons.js';
import type { LastKnownGood, RevisionSummary, RolloutHistory } from '../api/rollout-history.js';
import type { KubePod } from './kube-types.js';
import { isCrashLooping, summarisePodsByRevision } from './pod-health.js';
import { controllerRefOf } from './owner-references.js';
import { toIsoTime } from './replica-sets.js';
import { LAST_KNOWN_GOOD_ANNOTATION, MAX_HISTORY_REVISIONS, parseLastKnownGood } from './rollout-history.js';
import { ownedControllerRevisions, templateOf, type KubeControllerRevision, type KubeStatefulSet } from './statefulset-rollback.js';

/** Pods the StatefulSet controls (by uid when both have one, else by name). */
export function statefulSetPods(sts: KubeStatefulSet, pods: readonly KubePod[]): KubePod[] {
  const uid = sts.metadata?.uid;
  return pods.filter((p) => {
    const ref = controllerRefOf(p.metadata);
    return ref?.kind === 'StatefulSet' && (uid && ref.uid ? ref.uid === uid : ref.name === sts.metadata?.name);
  });
}

/** The ControllerRevision name a pod runs (its controller-revision-hash label). */
export function podRevisionName(pod: KubePod): string | undefined {
  return pod.metadata?.labels?.[Label.controllerRevisionHash];
}

function isReady(pod: KubePod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Pod health by ControllerRevision number (pods of an unknown revision are left out). */
export function summariseStatefulSetPodHealth(
  sts: KubeStatefulSet, revisions: readonly KubeControllerRevision[], pods: readonly KubePod[], restartThreshold?: number,
): PodHealth {
  const byName = new Map(ownedControllerRevisions(sts, revisions).map((r) => [r.metadata?.name ?? '', r.revision ?? 0]));
  const counts = { desired: sts.spec?.replicas ?? 1, ready: sts.status?.readyReplicas ?? 0, available: sts.status?.availableReplicas ?? 0 };
  return summarisePodsByRevision(counts, statefulSetPods(sts, pods), (p) => byName.get(podRevisionName(p) ?? ''), restartThreshold);
}

/** Spec observed, every desired replica ready, available and at the update revision. */
export function isStatefulSetHealthy(sts: KubeStatefulSet): boolean {
  const desired = sts.spec?.replicas ?? 1;
  const s = sts.status ?? {};
  return (s.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0)
    && (s.replicas ?? 0) === desired
    && (s.readyReplicas ?? 0) === desired
    && (s.availableReplicas ?? 0) === desired
    && (s.updatedReplicas ?? 0) === desired
    && (s.currentRevision === undefined || s.updateRevision === undefined || s.currentRevision === s.updateRevision);
}

/** The update revision (what the StatefulSet rolls to), else the newest. */
export function updateRevisionOf(sts: KubeStatefulSet, owned: readonly KubeControllerRevision[]): KubeControllerRevision | undefined {
  return owned.find((r) => r.metadata?.name === sts.status?.updateRevision) ?? owned[0];
}

function imagesOf(r: KubeControllerRevision): string[] {
  const t = templateOf(r);
  const spec = typeof t === 'object' && t !== null && 'spec' in t ? t.spec : undefined;
  const containers = typeof spec === 'object' && spec !== null && 'containers' in spec ? spec.containers : undefined;
  if (!Array.isArray(containers)) return [];
  return containers.flatMap((c: unknown) => (typeof c === 'object' && c !== null && 'image' in c && typeof c.image === 'string' ? [c.image] : []));
}

function hashOf(r: KubeControllerRevision): string | undefined {
  return r.metadata?.labels?.[Label.controllerHash];
}

function summarise(r: KubeControllerRevision): RevisionSummary {
  const hash = hashOf(r);
  return {
    revision: r.revision ?? 0, createdAt: toIsoTime(r.metadata?.creationTimestamp) ?? null, images: imagesOf(r),
    replicaSet: '', controllerRevision: r.metadata?.name ?? '', ...(hash ? { templateHash: hash } : {}),
  };
}

function describe(r: KubeControllerRevision): Pick<LastKnownGood, 'controllerRevision' | 'templateHash'> {
  const hash = hashOf(r);
  return { controllerRevision: r.metadata?.name ?? '', ...(hash ? { templateHash: hash } : {}) };
}

/** Revisions whose pods are all ready and none crash-looping (at least one pod). */
function healthyRevisions(podHealth: PodHealth | undefined): Set<number> {
  return new Set((podHealth?.byRevision ?? []).filter((r) => r.pods > 0 && r.ready === r.pods && r.crashLooping === 0).map((r) => r.revision));
}

function lastKnownGoodOf(sts: KubeStatefulSet, owned: readonly KubeControllerRevision[], update: KubeControllerRevision, podHealth: PodHealth | undefined): LastKnownGood {
  const updateNo = update.revision ?? 0;
  const raw = sts.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION];
  const record = parseLastKnownGood(raw);
  if (record) {
    const byHash = record.templateHash === '' ? undefined : owned.find((r) => hashOf(r) === record.templateHash);
    if (byHash && byHash !== update) {
      return { revision: byHash.revision ?? 0, source: 'Recorded', note: `matched recorded revision hash ${record.templateHash} (ControllerRevision ${byHash.metadata?.name ?? ''})`, ...describe(byHash) };
    }
  }
  const older = owned.filter((r) => (r.revision ?? 0) < updateNo);
  const healthy = healthyRevisions(podHealth);
  const observed = older.find((r) => healthy.has(r.revision ?? 0));
  if (observed) {
    return { revision: observed.revision ?? 0, source: 'HealthyPods', note: `revision ${observed.revision ?? 0} (ControllerRevision ${observed.metadata?.name ?? ''}) is the newest older revision whose pods are all ready, none crash-looping`, ...describe(observed) };
  }
  const previous = older[0];
  if (previous) {
    const why = raw === undefined ? `no ${LAST_KNOWN_GOOD_ANNOTATION} record` : `the ${LAST_KNOWN_GOOD_ANNOTATION} record matches no older revision`;
    return { revision: previous.revision ?? 0, source: 'PreviousRevisionFallback', note: `${why} and no older revision has healthy pods; falling back to the previous revision ${previous.revision ?? 0}, which was never verified healthy`, ...describe(previous) };
  }
  return { revision: null, source: 'None', note: `StatefulSet has no ControllerRevision older than the update revision ${updateNo}` };
}

/** `kubectl rollout history statefulset`, with the last known good revision. */
export function diagnoseStatefulSetHistory(sts: KubeStatefulSet, revisions: readonly KubeControllerRevision[], podHealth: PodHealth | undefined): RolloutHistory {
  const owned = ownedControllerRevisions(sts, revisions);
  const update = updateRevisionOf(sts, owned);
  if (!update) return { revisions: [], currentRevision: null, lastKnownGood: { revision: null, source: 'None', note: 'StatefulSet has no ControllerRevisions' } };
  return { revisions: owned.slice(0, MAX_HISTORY_REVISIONS).map(summarise), currentRevision: update.revision ?? null, lastKnownGood: lastKnownGoodOf(sts, owned, update, podHealth) };
}

/** Crash-looping pods of the StatefulSet (the detector's and the shared-cause count). */
export function crashLoopingStatefulSetPods(sts: KubeStatefulSet, pods: readonly KubePod[], restartThreshold?: number): KubePod[] {
  return statefulSetPods(sts, pods).filter((p) => isCrashLooping(p, restartThreshold));
}

/**
 * Pods to delete after the template is rolled back: of the revision rolled back from, not ready, not already
 * terminating. Kubernetes' documented forced-rollback step — an OrderedReady StatefulSet waits forever for a
 * broken pod to become ready before it replaces it, even after the template was reverted.
 */
export function podsToRestart(sts: KubeStatefulSet, pods: readonly KubePod[], fromControllerRevision: string): KubePod[] {
  return statefulSetPods(sts, pods).filter((p) => podRevisionName(p) === fromControllerRevision && !isReady(p) && !p.metadata?.deletionTimestamp);
}
