/**
 * The fast path's inputs (issue 17), read from the caches only — the same facts the slow path reads at its
 * guards: consent labels, the manifest owner, maintenance windows (the EscalationPolicy the detector's Incident
 * would use, the Namespace annotation), health-signal configuration, rollout history, pod health and the
 * neighbours' crash state. No API calls.
 */
import { Annotation } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import type { CrashLoopDecision } from '../decide/crashloop-detect.js';
import type { FastRollbackInput } from '../decide/fast-rollback.js';
import type { KubeDeployment, KubeReplicaSet } from '../decide/kube-types.js';
import { activeMaintenanceWindow } from '../decide/maintenance-window.js';
import { summarisePodHealth } from '../decide/pod-health.js';
import { evaluateRemediationConsent } from '../decide/remediation-consent.js';
import { diagnoseRolloutHistory } from '../decide/rollout-history.js';
import { ownsNamespace } from '../decide/shard.js';
import { detectWorkloadOwner } from '../decide/workload-owner.js';
import type { Caches } from '../ports/caches.js';
import { neighbourEvidence } from './neighbour-evidence.js';
import { crashLoopingNeighbours, podsOf } from './target-snapshot.js';

type Detected = Extract<CrashLoopDecision, { open: true }>;

function windowsOfPolicy(caches: Caches, ns: string, name: string | undefined): unknown {
  if (!name) return undefined;
  const spec = caches.policies.get(ns, name)?.spec;
  return typeof spec === 'object' && spec !== null && 'maintenanceWindows' in spec ? spec.maintenanceWindows : undefined;
}

/** A window of the policy a detector-opened Incident uses (`default` in its namespace, else the operator's), or the Namespace's. */
export function maintenanceActive(caches: Caches, config: OperatorConfig, namespace: string, now: Date): boolean {
  const policy = windowsOfPolicy(caches, namespace, 'default') ?? windowsOfPolicy(caches, config.operatorNamespace, config.escalationPolicy);
  const annotation = caches.namespaces.get(undefined, namespace)?.metadata?.annotations?.[Annotation.maintenanceWindows];
  return activeMaintenanceWindow([policy, annotation], now).active !== undefined;
}

export interface FastInputsArgs {
  caches: Caches;
  config: OperatorConfig;
  deployment: KubeDeployment;
  replicaSets: readonly KubeReplicaSet[];
  detected: Detected;
  incidentExists: boolean;
  budget: FastRollbackInput['budget'];
  now: Date;
}

export function fastRollbackInputs(a: FastInputsArgs): FastRollbackInput {
  const { caches, config, deployment } = a;
  const namespace = deployment.metadata?.namespace ?? '';
  const name = deployment.metadata?.name ?? '';
  const nsObject = caches.namespaces.get(undefined, namespace);
  const pods = podsOf(caches, namespace, new Set(a.replicaSets.map((r) => r.metadata?.name ?? '')));
  const crashing = crashLoopingNeighbours(caches, namespace, { kind: 'Deployment', name }, config.crashLoopRestartThreshold);
  const others = crashing.deployments;
  return {
    // A slow-path failpoint is armed: the slow path must be the one that runs.
    enabled: config.rollbackFastPath && config.failpoint !== 'exit-after-rollback-intent',
    now: a.now,
    incidentName: a.detected.incidentName,
    severity: a.detected.severity,
    detectionMessage: a.detected.message,
    deployment,
    replicaSets: a.replicaSets,
    inShard: ownsNamespace(config.shard, namespace),
    incidentExists: a.incidentExists,
    consent: evaluateRemediationConsent({
      namespace, watchNamespaces: config.watchNamespaces, protectedNamespaces: config.protectedNamespaces,
      deploymentLabels: deployment.metadata?.labels, namespaceLabels: nsObject?.metadata?.labels,
      autoRollbackSelector: { label: config.autoRollbackLabel, value: config.autoRollbackValue },
    }),
    owner: detectWorkloadOwner({ namespace, labels: deployment.metadata?.labels, annotations: deployment.metadata?.annotations, argoCdNamespace: config.owners.argoCdNamespace }),
    maintenanceActive: maintenanceActive(caches, config, namespace, a.now),
    signalsConfigured: deployment.metadata?.annotations?.[Annotation.signals] !== undefined,
    dryRun: config.dryRun,
    rateLimit: config.rollbackRateLimit,
    history: diagnoseRolloutHistory(deployment, a.replicaSets),
    podHealth: summarisePodHealth(deployment, a.replicaSets, pods, config.crashLoopRestartThreshold),
    neighbours: neighbourEvidence(caches, namespace, others, config.crashLoopRestartThreshold, crashing.statefulSets),
    budget: a.budget,
  };
}
