/**
 * A bounded, PHI-safe summary of a Deployment's pods, grouped by revision.
 * Container `message` fields (which can carry raw log output) are never copied.
 */
import type { KubeContainerStatus, KubeDeployment, KubePod, KubeReplicaSet } from './kube-types.js';
import { compareStrings, ownedReplicaSets, replicaSetOfPod } from './replica-sets.js';
import type { ContainerHealth, ContainerStateName, PodHealth, PodSummary, RevisionHealth } from '../api/pod-health.js';
export type { ContainerHealth, ContainerStateName, PodHealth, PodSummary, RevisionHealth } from '../api/pod-health.js';

export const DEFAULT_RESTART_THRESHOLD = 3;
export const MAX_SUMMARISED_PODS = 20;
export const CRASH_LOOP_BACK_OFF = 'CrashLoopBackOff';

function statusesOf(pod: KubePod): { status: KubeContainerStatus; init: boolean }[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, init: false })),
  ];
}

/** One container is crash-looping: waiting in CrashLoopBackOff, or restarted >= threshold times after non-zero exits. */
export function isContainerCrashLooping(status: KubeContainerStatus, restartThreshold = DEFAULT_RESTART_THRESHOLD): boolean {
  if (status.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) return true;
  if ((status.restartCount ?? 0) < restartThreshold) return false;
  const lastExit = status.lastState?.terminated?.exitCode;
  const currentExit = status.state?.terminated?.exitCode;
  return (lastExit !== undefined && lastExit !== 0) || (currentExit !== undefined && currentExit !== 0);
}

/**
 * A pod is crash-looping when any container (init containers included) is
 * waiting in CrashLoopBackOff, or has restartCount >= restartThreshold and its
 * last termination (lastState.terminated, or the current terminated state)
 * had a non-zero exit code. Restarts after clean exits (code 0) do not count.
 */
export function isCrashLooping(pod: KubePod, restartThreshold = DEFAULT_RESTART_THRESHOLD): boolean {
  return statusesOf(pod).some(({ status }) => isContainerCrashLooping(status, restartThreshold));
}

function containerHealth(status: KubeContainerStatus, init: boolean): ContainerHealth {
  const state = status.state;
  const stateName: ContainerStateName = state?.running !== undefined
    ? 'running'
    : state?.terminated !== undefined
      ? 'terminated'
      : 'waiting';
  const reason = stateName === 'waiting' ? state?.waiting?.reason : stateName === 'terminated' ? state?.terminated?.reason : undefined;
  const exitCode = stateName === 'terminated' ? state?.terminated?.exitCode : undefined;
  const last = status.lastState?.terminated;
  return {
    name: status.name ?? '',
    init,
    state: stateName,
    ...(reason !== undefined ? { reason } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(last?.exitCode !== undefined ? { lastExitCode: last.exitCode } : {}),
    ...(last?.reason !== undefined ? { lastReason: last.reason } : {}),
    restartCount: status.restartCount ?? 0,
  };
}

function isPodReady(pod: KubePod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function summarisePodHealth(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
  pods: readonly KubePod[],
  restartThreshold = DEFAULT_RESTART_THRESHOLD,
): PodHealth {
  const owned = ownedReplicaSets(deployment, replicaSets);
  const counts = { desired: deployment.spec?.replicas ?? 1, ready: deployment.status?.readyReplicas ?? 0, available: deployment.status?.availableReplicas ?? 0 };
  return summarisePodsByRevision(counts, pods, (pod) => replicaSetOfPod(pod, owned)?.revision, restartThreshold);
}

/**
 * The summary over any workload's pods: `revisionOf` says a pod's revision (its ReplicaSet's for a Deployment,
 * its ControllerRevision's for a StatefulSet); pods without one are not the workload's and are left out.
 */
export function summarisePodsByRevision(
  counts: { desired: number; ready: number; available: number },
  pods: readonly KubePod[],
  revisionOf: (pod: KubePod) => number | undefined,
  restartThreshold = DEFAULT_RESTART_THRESHOLD,
): PodHealth {
  const summaries: PodSummary[] = [];
  const revisions = new Map<number, { pods: number; ready: number; crashLooping: number }>();
  const waitingReasons: Record<string, number> = {};

  for (const pod of pods) {
    const revision = revisionOf(pod);
    if (revision === undefined) continue;
    const rs = { revision };
    const containers = statusesOf(pod).map(({ status, init }) => containerHealth(status, init));
    for (const c of containers) {
      if (c.state === 'waiting' && c.reason !== undefined) waitingReasons[c.reason] = (waitingReasons[c.reason] ?? 0) + 1;
    }
    const ready = isPodReady(pod);
    const crashLooping = isCrashLooping(pod, restartThreshold);
    summaries.push({
      name: pod.metadata?.name ?? '',
      revision: rs.revision,
      phase: pod.status?.phase ?? 'Unknown',
      ready,
      restarts: containers.reduce((sum, c) => sum + c.restartCount, 0),
      crashLooping,
      containers,
    });
    const bucket = revisions.get(rs.revision) ?? { pods: 0, ready: 0, crashLooping: 0 };
    bucket.pods += 1;
    if (ready) bucket.ready += 1;
    if (crashLooping) bucket.crashLooping += 1;
    revisions.set(rs.revision, bucket);
  }

  summaries.sort(
    (a, b) =>
      Number(b.crashLooping) - Number(a.crashLooping) || b.revision - a.revision || compareStrings(a.name, b.name),
  );
  const byRevision = [...revisions.entries()]
    .sort(([a], [b]) => b - a)
    .map(([revision, counts]) => ({ revision, ...counts }));
  const crashLoopingPods = summaries.filter((p) => p.crashLooping).length;
  const { desired, ready, available } = counts;

  return {
    desired,
    ready,
    available,
    total: summaries.length,
    byRevision,
    pods: summaries.slice(0, MAX_SUMMARISED_PODS),
    omittedPods: Math.max(0, summaries.length - MAX_SUMMARISED_PODS),
    waitingReasons,
    crashLoopingPods,
    summary: formatSummary(desired, ready, available, summaries.length, byRevision, crashLoopingPods, waitingReasons),
  };
}

function formatSummary(
  desired: number,
  ready: number,
  available: number,
  total: number,
  byRevision: readonly RevisionHealth[],
  crashLoopingPods: number,
  waitingReasons: Readonly<Record<string, number>>,
): string {
  const parts = [`${ready}/${desired} ready, ${available} available, ${total} pods`];
  if (crashLoopingPods > 0) {
    const perRevision = byRevision
      .filter((r) => r.crashLooping > 0)
      .map((r) => `r${r.revision}: ${r.crashLooping}/${r.pods}`)
      .join(', ');
    parts.push(`${crashLoopingPods} crash-looping (${perRevision})`);
  }
  const reasons = Object.entries(waitingReasons)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([reason, n]) => `${reason}=${n}`);
  if (reasons.length > 0) parts.push(`waiting: ${reasons.join(', ')}`);
  return parts.join('; ');
}
