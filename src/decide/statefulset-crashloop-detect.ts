/**
 * Should a crash-loop Incident be opened for a StatefulSet (issue 15)? The Deployment rules, by ControllerRevision:
 * the StatefulSet (or, without its own label, its Namespace) opts in; not being deleted; no open Incident for it;
 * pods of the UPDATE revision crash-loop (old pods crashing is no evidence against the rollout); and there is an
 * older revision (a first rollout that crashes is not a bad release to roll back). P0 when no replica is ready.
 * Pure.
 */
import type { StringMap } from './kube-types.js';
import type { KubePod } from './kube-types.js';
import { crashLoopIncidentName, isOptedIn, MAX_CRASHING_PODS_LISTED, type OptInSelector, type Severity } from './crashloop-detect.js';
import { DEFAULT_RESTART_THRESHOLD, isCrashLooping } from './pod-health.js';
import { compareStrings } from './replica-sets.js';
import { podRevisionName, statefulSetPods, updateRevisionOf } from './statefulset-history.js';
import { ownedControllerRevisions, type KubeControllerRevision, type KubeStatefulSet } from './statefulset-rollback.js';

export interface StatefulSetCrashLoopInput {
  readonly statefulSet: KubeStatefulSet;
  readonly revisions: readonly KubeControllerRevision[];
  readonly pods: readonly KubePod[];
  readonly namespaceLabels?: StringMap;
  readonly optInSelector: OptInSelector;
  readonly restartThreshold?: number;
  readonly openIncidentExists: boolean;
}

export type StatefulSetCrashLoopDecision =
  | { readonly open: false; readonly reason: string; readonly message: string }
  | { readonly open: true; readonly reason: 'CrashLoopDetected'; readonly message: string; readonly severity: Severity; readonly incidentName: string; readonly revision: number; readonly crashingPods: string[] };

/** `crashloop-sts-<name>-r<revision>`: deterministic (a retried create hits AlreadyExists), apart from a Deployment's. */
export function statefulSetCrashLoopIncidentName(name: string, revision: number): string {
  return crashLoopIncidentName(`sts-${name}`, revision);
}

export function detectStatefulSetCrashLoop(input: StatefulSetCrashLoopInput): StatefulSetCrashLoopDecision {
  const sts = input.statefulSet;
  const name = sts.metadata?.name ?? '';
  const sel = input.optInSelector;
  if (!isOptedIn(sts.metadata?.labels, input.namespaceLabels, sel)) {
    return { open: false, reason: 'NotOptedIn', message: `StatefulSet ${name} is not opted in (${sel.label}=${sel.value} on it or its namespace)` };
  }
  if (sts.metadata?.deletionTimestamp) return { open: false, reason: 'DeploymentTerminating', message: `StatefulSet ${name} is being deleted` };
  if (input.openIncidentExists) return { open: false, reason: 'IncidentAlreadyOpen', message: `an incident is already open for StatefulSet ${name}` };
  const owned = ownedControllerRevisions(sts, input.revisions);
  const update = updateRevisionOf(sts, owned);
  if (!update) return { open: false, reason: 'NoReplicaSets', message: `StatefulSet ${name} has no ControllerRevisions` };
  const updateNo = update.revision ?? 0;
  if (!owned.some((r) => (r.revision ?? 0) < updateNo)) return { open: false, reason: 'NoCrashLoop', message: `StatefulSet ${name} has no revision older than ${updateNo} to roll back to` };
  const threshold = input.restartThreshold ?? DEFAULT_RESTART_THRESHOLD;
  const crashing = statefulSetPods(sts, input.pods)
    .filter((p) => podRevisionName(p) === update.metadata?.name && isCrashLooping(p, threshold))
    .map((p) => p.metadata?.name ?? '').sort(compareStrings);
  if (crashing.length === 0) return { open: false, reason: 'NoCrashLoop', message: `no crash-looping pods in revision ${updateNo}` };
  const ready = sts.status?.readyReplicas ?? 0;
  const severity: Severity = ready === 0 ? 'P0' : 'P1';
  return {
    open: true, reason: 'CrashLoopDetected', severity, revision: updateNo,
    message: `${crashing.length} pod(s) of StatefulSet ${name} revision ${updateNo} are crash-looping; ${ready} replica(s) ready (${severity})`,
    incidentName: statefulSetCrashLoopIncidentName(name, updateNo),
    crashingPods: crashing.slice(0, MAX_CRASHING_PODS_LISTED),
  };
}
