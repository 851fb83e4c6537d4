/**
 * Metric-triggered rollback (pure): the crash-loop path generalised to health signals. Should an Incident be
 * opened for a Deployment whose signals breach, and should it roll back or escalate?
 *
 * Rules, in order: the Deployment (or its Namespace) opts in with the AUTO_ROLLBACK_SELECTOR label (the same
 * consent as crash-loop rollback); a Deployment being deleted is ignored; one open Incident per Deployment;
 * the newest revision must have been rolled out within the window (default 15 min); some signal must breach
 * for N consecutive evaluations (Unknown never counts). Then: a breach that also existed at the rollout is
 * not the release's fault — open an Incident that escalates; a breach whose origin cannot be told (the
 * signal was Unknown at the rollout) escalates too; only a breach that started after the rollout rolls back.
 *
 * The diagnosis turns the Incident's recorded origin into a proposal: `proposeOnSignals`.
 */
import { createHash } from 'node:crypto';
import type { Proposal } from '../api/diagnosis.js';
import type { RolloutHistory } from '../api/rollout-history.js';
import { Reason } from '../api/reasons.js';
import type { SignalVerdict } from '../api/signals.js';
import { isOptedIn, type OptInSelector, DEFAULT_OPT_IN_SELECTOR, MAX_DNS1123_LABEL_LENGTH } from './crashloop-detect.js';
import { breachOrigin, summariseVerdicts, sustainedBreaches, type BreachOrigin } from './health-signals.js';
import type { KubeDeployment, KubeReplicaSet, StringMap } from './kube-types.js';
import { ownedReplicaSets } from './replica-sets.js';
import { parseTime } from './time.js';

export const DEFAULT_ROLLOUT_WINDOW_SECONDS = 15 * 60;
export const DEFAULT_CONSECUTIVE_BREACHES = 3;

export const MetricRollbackReason = {
  NotOptedIn: 'NotOptedIn',
  DeploymentTerminating: 'DeploymentTerminating',
  IncidentAlreadyOpen: 'IncidentAlreadyOpen',
  NoReplicaSets: 'NoReplicaSets',
  NoSignals: 'NoSignals',
  NoSustainedBreach: 'NoSustainedBreach',
  OutsideRolloutWindow: 'OutsideRolloutWindow',
  SignalBreachAfterRollout: 'SignalBreachAfterRollout',
  SignalBreachBeforeRollout: 'SignalBreachBeforeRollout',
  SignalBreachOriginUnknown: 'SignalBreachOriginUnknown',
} as const;
export type MetricRollbackReason = (typeof MetricRollbackReason)[keyof typeof MetricRollbackReason];

export interface MetricRollbackInput {
  readonly deployment: KubeDeployment;
  readonly replicaSets: readonly KubeReplicaSet[];
  readonly namespaceLabels?: StringMap;
  readonly optInSelector?: OptInSelector;
  readonly openIncidentExists: boolean;
  readonly now: Date;
  readonly rolloutWindowSeconds?: number;
  readonly consecutiveBreaches?: number;
  /** The latest verdicts (with their streaks). */
  readonly verdicts: readonly SignalVerdict[];
  /** Per signal: its verdict at the rollout time (Prometheus `time=`), when asked. */
  readonly atRollout?: Readonly<Record<string, SignalVerdict['verdict']>>;
  /** Per signal: when its current breach streak started (the watcher's own record). */
  readonly streakStartedAt?: Readonly<Record<string, Date>>;
}

export type MetricRollbackDecision =
  | { readonly open: false; readonly reason: Exclude<MetricRollbackReason, 'SignalBreachAfterRollout' | 'SignalBreachBeforeRollout' | 'SignalBreachOriginUnknown'>; readonly message: string; readonly revision?: number; readonly rolledOutAt?: Date }
  | {
      readonly open: true;
      readonly reason: 'SignalBreachAfterRollout' | 'SignalBreachBeforeRollout' | 'SignalBreachOriginUnknown';
      readonly origin: BreachOrigin;
      /** Rollback only when the breach started after the rollout. */
      readonly action: 'Rollback' | 'Escalate';
      readonly message: string;
      readonly incidentName: string;
      readonly revision: number;
      readonly rolledOutAt: Date;
      readonly breaching: string[];
    };

/** When the newest revision was rolled out: its ReplicaSet's creation (a rollback's reused ReplicaSet is old: no window). */
export function newestRollout(deployment: KubeDeployment, replicaSets: readonly KubeReplicaSet[]): { revision: number; rolledOutAt?: Date } | undefined {
  const newest = ownedReplicaSets(deployment, replicaSets)[0];
  if (!newest) return undefined;
  return { revision: newest.revision, rolledOutAt: parseTime(newest.replicaSet.metadata?.creationTimestamp) };
}

export function decideMetricRollback(input: MetricRollbackInput): MetricRollbackDecision {
  const { deployment, now } = input;
  const name = deployment.metadata?.name ?? '';
  const selector = input.optInSelector ?? DEFAULT_OPT_IN_SELECTOR;
  const windowS = input.rolloutWindowSeconds ?? DEFAULT_ROLLOUT_WINDOW_SECONDS;
  const n = input.consecutiveBreaches ?? DEFAULT_CONSECUTIVE_BREACHES;
  if (!isOptedIn(deployment.metadata?.labels, input.namespaceLabels, selector)) {
    return { open: false, reason: 'NotOptedIn', message: `deployment ${name} is not opted in (${selector.label}=${selector.value} on it or its namespace)` };
  }
  const deletion = deployment.metadata?.deletionTimestamp;
  if (deletion !== undefined && deletion !== null) return { open: false, reason: 'DeploymentTerminating', message: `deployment ${name} is being deleted` };
  if (input.openIncidentExists) return { open: false, reason: 'IncidentAlreadyOpen', message: `an incident is already open for deployment ${name}` };
  if (input.verdicts.length === 0) return { open: false, reason: 'NoSignals', message: `deployment ${name} has no health signals` };
  const rollout = newestRollout(deployment, input.replicaSets);
  if (!rollout) return { open: false, reason: 'NoReplicaSets', message: `deployment ${name} has no revisioned ReplicaSets` };
  const sustained = sustainedBreaches(input.verdicts, n);
  if (sustained.length === 0) {
    return { open: false, reason: 'NoSustainedBreach', message: `no signal breaching for ${n} consecutive evaluations: ${summariseVerdicts(input.verdicts)}`, revision: rollout.revision, rolledOutAt: rollout.rolledOutAt };
  }
  const rolledOutAt = rollout.rolledOutAt;
  if (!rolledOutAt || now.getTime() - rolledOutAt.getTime() > windowS * 1000) {
    return { open: false, reason: 'OutsideRolloutWindow', message: `revision ${rollout.revision} was not rolled out within the last ${windowS}s: a breach now is not a rollout's (alerting opens that Incident)`, revision: rollout.revision, rolledOutAt };
  }
  // Every sustained breach must have started after the rollout for the release to be blamed.
  const origins = sustained.map((v) => ({ name: v.name, origin: breachOrigin(input.atRollout?.[v.name], input.streakStartedAt?.[v.name], rolledOutAt) }));
  const before = origins.filter((o) => o.origin === 'BeforeRollout').map((o) => o.name);
  const undetermined = origins.filter((o) => o.origin === 'Undetermined').map((o) => o.name);
  const breaching = sustained.map((v) => v.name);
  const base = { open: true as const, incidentName: signalIncidentName(name, rollout.revision), revision: rollout.revision, rolledOutAt, breaching };
  const what = `${summariseVerdicts(sustained)} for ${n} consecutive evaluations`;
  if (before.length > 0) {
    return { ...base, reason: 'SignalBreachBeforeRollout', origin: 'BeforeRollout', action: 'Escalate',
      message: `${what}; ${before.join(', ')} already breached before revision ${rollout.revision} was rolled out at ${rolledOutAt.toISOString()}: not the release's fault, no rollback` };
  }
  if (undetermined.length > 0) {
    return { ...base, reason: 'SignalBreachOriginUnknown', origin: 'Undetermined', action: 'Escalate',
      message: `${what}; ${undetermined.join(', ')} Unknown at the rollout of revision ${rollout.revision}: cannot tell whether the release caused it, no rollback` };
  }
  return { ...base, reason: 'SignalBreachAfterRollout', origin: 'AfterRollout', action: 'Rollback',
    message: `${what}, starting after revision ${rollout.revision} was rolled out at ${rolledOutAt.toISOString()}` };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Deterministic `signal-<deployment>-r<revision>` (hashed when not a DNS-1123 label), so a retried create is idempotent. */
export function signalIncidentName(deploymentName: string, rev: number): string {
  const prefix = 'signal-';
  const plain = `${prefix}${deploymentName}-r${rev}`;
  if (plain.length <= MAX_DNS1123_LABEL_LENGTH && DNS1123_LABEL.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const suffix = `-r${rev}-${hash}`;
  const room = MAX_DNS1123_LABEL_LENGTH - prefix.length - suffix.length;
  const sanitised = deploymentName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, Math.max(0, room)).replace(/^-+|-+$/g, '');
  return sanitised === '' ? `signal${suffix}` : `${prefix}${sanitised}${suffix}`;
}

export interface SignalProposalInput {
  /** What the pod-based policy chain proposed. */
  base: Proposal;
  /** The origin the signal watcher recorded on the Incident (annotation), when it opened it. */
  origin?: BreachOrigin;
  /** The verdicts evaluated during the diagnosis. */
  verdicts: readonly SignalVerdict[];
  history?: RolloutHistory;
  requestedRevision?: number;
}

/**
 * The proposal with the signals taken into account. Only an Incident the watcher opened for a breach that
 * started after the rollout may turn "pods are healthy, nothing to remediate" into a rollback — and only
 * while a signal still breaches (Unknown is no evidence). A breach from before the rollout escalates.
 */
export function proposeOnSignals(input: SignalProposalInput): Proposal {
  const { base, origin, verdicts } = input;
  if (origin === undefined) return base;
  const summary = summariseVerdicts(verdicts);
  if (origin === 'BeforeRollout') return { action: 'Escalate', reason: Reason.SignalBreachBeforeRollout, message: `no rollback: the signal breached before the rollout (${summary})` };
  if (origin === 'Undetermined') return { action: 'Escalate', reason: Reason.SignalBreachOriginUnknown, message: `no rollback: cannot tell whether the rollout caused the breach (${summary})` };
  if (base.action !== 'None') return base;
  const breaching = verdicts.filter((v) => v.verdict === 'Breaching');
  if (breaching.length === 0) {
    const unknown = verdicts.some((v) => v.verdict === 'Unknown');
    return unknown
      ? { action: 'Escalate', reason: Reason.SignalUnknown, message: `no rollback on Unknown signals: ${summary}` }
      : { action: 'None', reason: Reason.SignalsHealthy, message: `signals healthy again: ${summary}; monitoring` };
  }
  const history = input.history;
  const current = history?.currentRevision ?? null;
  const target = input.requestedRevision ?? history?.lastKnownGood.revision ?? null;
  if (target === null) return { action: 'Escalate', reason: Reason.NoKnownGoodRevision, message: `${summary}; no known good revision to roll back to` };
  if (current !== null && target === current) {
    return { action: 'Escalate', reason: Reason.CurrentRevisionIsLastKnownGood, message: `${summary}; revision ${current} is the last known good: the cause is outside the rollout` };
  }
  return { action: 'Rollback', reason: Reason.RollbackProposed, message: `roll back revision ${current ?? '?'} to revision ${target}: ${summary}`, toRevision: target };
}
