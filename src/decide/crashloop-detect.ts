/**
 * Should a crash-loop incident be opened for a Deployment?
 *
 * Rules, in order: the Deployment (or, when the Deployment has no such label,
 * its Namespace) must opt in by label; a Deployment being deleted is ignored;
 * only one incident per Deployment may be open; only pods of the NEWEST
 * ReplicaSet (highest revision) count, since old pods crashing is not evidence
 * against the current rollout. Severity is P0 when no replica is available.
 */
import type { Severity as IncidentSeverity } from '../api/incident.js';
import { createHash } from 'node:crypto';
import type { KubeDeployment, KubePod, KubeReplicaSet, StringMap } from './kube-types.js';
import { DEFAULT_RESTART_THRESHOLD, isCrashLooping } from './pod-health.js';
import { compareStrings, ownedReplicaSets, replicaSetOfPod } from './replica-sets.js';

export const AUTO_ROLLBACK_LABEL = 'runbook.dev/auto-rollback';
export const AUTO_ROLLBACK_ENABLED = 'enabled';
export const MAX_DNS1123_LABEL_LENGTH = 63;
export const MAX_CRASHING_PODS_LISTED = 20;

export const CrashLoopReason = {
  NotOptedIn: 'NotOptedIn',
  DeploymentTerminating: 'DeploymentTerminating',
  IncidentAlreadyOpen: 'IncidentAlreadyOpen',
  NoReplicaSets: 'NoReplicaSets',
  NoCrashLoop: 'NoCrashLoop',
  CrashLoopOnlyInOlderRevision: 'CrashLoopOnlyInOlderRevision',
  CrashLoopDetected: 'CrashLoopDetected',
} as const;
export type CrashLoopReason = (typeof CrashLoopReason)[keyof typeof CrashLoopReason];

/** Crash loops open P0 or P1 incidents only. */
export type Severity = Extract<IncidentSeverity, 'P0' | 'P1'>;

export interface OptInSelector {
  readonly label: string;
  readonly value: string;
}

export const DEFAULT_OPT_IN_SELECTOR: OptInSelector = Object.freeze({
  label: AUTO_ROLLBACK_LABEL,
  value: AUTO_ROLLBACK_ENABLED,
});

export interface CrashLoopInput {
  readonly deployment: KubeDeployment;
  readonly replicaSets: readonly KubeReplicaSet[];
  readonly pods: readonly KubePod[];
  readonly namespaceLabels?: StringMap;
  readonly optInSelector?: OptInSelector;
  readonly restartThreshold?: number;
  readonly openIncidentExists: boolean;
}

export type CrashLoopDecision =
  | {
      readonly open: false;
      readonly reason: Exclude<CrashLoopReason, 'CrashLoopDetected'>;
      readonly message: string;
    }
  | {
      readonly open: true;
      readonly reason: 'CrashLoopDetected';
      readonly message: string;
      readonly severity: Severity;
      readonly incidentName: string;
      readonly revision: number;
      /** Names of crash-looping pods of the newest revision, sorted, at most MAX_CRASHING_PODS_LISTED. */
      readonly crashingPods: string[];
    };

/**
 * Opt-in: the Deployment's own label decides when present (so a Deployment can
 * opt out of an opted-in Namespace); otherwise the Namespace label decides.
 */
export function isOptedIn(
  deploymentLabels: StringMap | undefined,
  namespaceLabels: StringMap | undefined,
  selector: OptInSelector = DEFAULT_OPT_IN_SELECTOR,
): boolean {
  const own = deploymentLabels?.[selector.label];
  if (own !== undefined) return own === selector.value;
  return namespaceLabels?.[selector.label] === selector.value;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Deterministic incident name `crashloop-<deployment>-r<revision>`, so that a
 * retried create hits AlreadyExists instead of opening a duplicate. When that
 * is not a valid DNS-1123 label (too long, or the Deployment name contains
 * dots), the name part is sanitised and trimmed and an 8-hex-digit hash of
 * the untrimmed name is appended, keeping the revision visible.
 */
export function crashLoopIncidentName(deploymentName: string, revision: number): string {
  const plain = `crashloop-${deploymentName}-r${revision}`;
  if (plain.length <= MAX_DNS1123_LABEL_LENGTH && DNS1123_LABEL.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const suffix = `-r${revision}-${hash}`;
  const prefix = 'crashloop-';
  const room = MAX_DNS1123_LABEL_LENGTH - prefix.length - suffix.length;
  const sanitised = deploymentName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, Math.max(0, room))
    .replace(/^-+|-+$/g, '');
  return sanitised === '' ? `crashloop${suffix}` : `${prefix}${sanitised}${suffix}`;
}

export function detectCrashLoop(input: CrashLoopInput): CrashLoopDecision {
  const { deployment } = input;
  const name = deployment.metadata?.name ?? '';
  const selector = input.optInSelector ?? DEFAULT_OPT_IN_SELECTOR;
  const threshold = input.restartThreshold ?? DEFAULT_RESTART_THRESHOLD;

  if (!isOptedIn(deployment.metadata?.labels, input.namespaceLabels, selector)) {
    return {
      open: false,
      reason: 'NotOptedIn',
      message: `deployment ${name} is not opted in (${selector.label}=${selector.value} on it or its namespace)`,
    };
  }
  const deletion = deployment.metadata?.deletionTimestamp;
  if (deletion !== undefined && deletion !== null) {
    return { open: false, reason: 'DeploymentTerminating', message: `deployment ${name} is being deleted` };
  }
  if (input.openIncidentExists) {
    return { open: false, reason: 'IncidentAlreadyOpen', message: `an incident is already open for deployment ${name}` };
  }

  const owned = ownedReplicaSets(deployment, input.replicaSets);
  const newest = owned[0];
  if (newest === undefined) {
    return { open: false, reason: 'NoReplicaSets', message: `deployment ${name} has no revisioned ReplicaSets` };
  }

  const newestCrashing: string[] = [];
  let olderCrashing = 0;
  for (const pod of input.pods) {
    const rs = replicaSetOfPod(pod, owned);
    if (rs === undefined || !isCrashLooping(pod, threshold)) continue;
    if (rs.revision === newest.revision) newestCrashing.push(pod.metadata?.name ?? '');
    else olderCrashing += 1;
  }

  if (newestCrashing.length === 0) {
    return olderCrashing > 0
      ? {
          open: false,
          reason: 'CrashLoopOnlyInOlderRevision',
          message: `${olderCrashing} pod(s) of older revisions are crash-looping; newest revision ${newest.revision} is not`,
        }
      : { open: false, reason: 'NoCrashLoop', message: `no crash-looping pods in revision ${newest.revision}` };
  }

  const available = deployment.status?.availableReplicas ?? 0;
  const severity: Severity = available === 0 ? 'P0' : 'P1';
  newestCrashing.sort(compareStrings);
  return {
    open: true,
    reason: 'CrashLoopDetected',
    message:
      `${newestCrashing.length} pod(s) of revision ${newest.revision} are crash-looping; ` +
      `${available} replica(s) available (${severity})`,
    severity,
    incidentName: crashLoopIncidentName(name, newest.revision),
    revision: newest.revision,
    crashingPods: newestCrashing.slice(0, MAX_CRASHING_PODS_LISTED),
  };
}
