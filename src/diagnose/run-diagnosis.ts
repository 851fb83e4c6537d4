/**
 * The diagnose phase: every runbook check, fail-soft and bounded, into one PHI-safe evidence record
 * (status.diagnosis) that ends in a one-line summary a person can act on.
 */
import type * as k8s from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { systemScheduler, withTimeout } from '../runtime/clock.js';
import type { Incident } from '../api/incident.js';
import { diagnoseRolloutHistory, type RolloutHistory } from '../decide/rollout-history.js';
import { detectSharedCause, type NeighbourEvidence } from '../decide/shared-cause.js';
import { proposeRemediation } from '../decide/remediation-proposal.js';
import { summariseSignatures } from '../redact/log-signatures.js';
import type { TargetSnapshot } from '../ports/target.js';
import type { CheckRecord, DiagnosisStatus } from '../api/diagnosis.js';
import { Annotation, CreatedBy, Label } from '../api/reasons.js';
import type { SignalsStatus } from '../api/signals.js';
import { proposeOnSignals } from '../decide/metric-rollback.js';
import type { BreachOrigin } from '../decide/health-signals.js';
import type { EvaluateSignals } from '../ports/signals.js';

import { collectLogSignatures } from './pod-logs.js';
import { checkDatabase } from './database-checks.js';
import { errorMessage } from '../decide/errors.js';
import { detectWorkloadOwner } from '../decide/workload-owner.js';
import { diagnoseStatefulSetHistory } from '../decide/statefulset-history.js';

export interface DiagnoseDeps {
  core: k8s.CoreV1Api;
  now: () => Date;
  checkTimeoutMs: number;
  /** Health signals: each one's value, threshold and verdict (names and numbers only). */
  signals?: EvaluateSignals;
  /** Incidents the signal watcher did not open: did the breach start after the newest rollout (within the window)? */
  signalOrigin?: (incident: Incident, deployment: NonNullable<TargetSnapshot['deployment']>, replicaSets: TargetSnapshot['replicaSets'], verdicts: SignalsStatus['verdicts'], now: Date) => Promise<BreachOrigin | undefined>;
  /** Where Argo CD Applications live when a tracking id does not say (ARGOCD_NAMESPACE, default argocd). */
  argoCdNamespace?: string;
}

const ORIGINS: readonly BreachOrigin[] = ['AfterRollout', 'BeforeRollout', 'Undetermined'];

function breachOriginOf(incident: Incident): BreachOrigin | undefined {
  const v = incident.metadata.annotations?.[Annotation.signalBreachOrigin];
  return ORIGINS.find((o) => o === v);
}

async function timed<T>(checks: CheckRecord[], name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  try {
    const v = await withTimeout(fn(), timeoutMs, systemScheduler, () => new Error(`timed out after ${timeoutMs} ms`));
    checks.push({ name, ok: true, durationMs: elapsed() });
    return v;
  } catch (e) {
    checks.push({ name, ok: false, durationMs: elapsed(), error: errorMessage(e).slice(0, 200) });
    return undefined;
  }
}

export async function runDiagnosis(
  deps: DiagnoseDeps,
  incident: Incident,
  target: TargetSnapshot | undefined,
  otherCrashLooping: string[],
  neighbours?: NeighbourEvidence,
): Promise<DiagnosisStatus> {
  const checks: CheckRecord[] = [];
  const ns = incident.metadata.namespace;
  const spec = incident.spec;
  const runbook = spec.runbook ?? 'APIOutage';

  const failing = target?.podHealth?.pods.filter((p) => p.containers.some((c) => c.state !== 'running' || !p.ready)) ?? [];
  const [logs, database, signals] = await Promise.all([
    (target?.deployment ?? target?.statefulSet) && failing.length > 0
      ? timed(checks, 'logs', deps.checkTimeoutMs, () => collectLogSignatures(deps.core, ns, failing, { timeoutMs: deps.checkTimeoutMs }))
      : Promise.resolve(undefined),
    spec.database
      ? timed(checks, 'database', deps.checkTimeoutMs * 3, () => checkDatabase(deps.core, ns, spec.database!, { withLoad: runbook === 'DatabasePerformance' || !!spec.database!.terminateLongQueries }))
      : Promise.resolve(undefined),
    deps.signals
      ? timed<SignalsStatus | undefined>(checks, 'signals', deps.checkTimeoutMs * 2, () => deps.signals!(incident, target?.deployment?.metadata?.annotations, incident.status?.signals, deps.now()))
      : Promise.resolve(undefined),
  ]);
  if (checks.some((c) => c.name === 'signals') && !signals) {
    // No signal configured: not a check that ran.
    const i = checks.findIndex((c) => c.name === 'signals' && c.ok);
    if (i >= 0) checks.splice(i, 1);
  }
  if (target?.podHealth) checks.unshift({ name: 'pods', ok: true, durationMs: 0 });

  let history: RolloutHistory | undefined;
  if (target?.deployment) {
    history = diagnoseRolloutHistory(target.deployment, target.replicaSets);
    checks.push({ name: 'rolloutHistory', ok: true, durationMs: 0 });
  } else if (target?.statefulSet) {
    // StatefulSet target (issue 15): history from its ControllerRevisions, known good by record or healthy pods.
    history = diagnoseStatefulSetHistory(target.statefulSet, target.controllerRevisions ?? [], target.podHealth);
    checks.push({ name: 'rolloutHistory', ok: true, durationMs: 0 });
  }
  const sharedCause = target?.podHealth
    ? detectSharedCause({ podHealth: target.podHealth, otherDeploymentsCrashLooping: otherCrashLooping, neighbours, databaseReachable: database?.connectivity?.reachable, databaseSteps: database?.connectivity?.steps, signalsBreachedBeforeRollout: breachOriginOf(incident) === 'BeforeRollout' })
    : undefined;
  const baseProposal = proposeRemediation({
    runbook,
    targetHealthy: target?.deployment ?? target?.statefulSet ? target.healthy : undefined,
    podHealth: target?.podHealth,
    history,
    sharedCause,
    requestedRevision: spec.rollback?.toRevision,
    ...(runbook === 'MassFailure' || incident.metadata.labels?.[Label.createdBy] === CreatedBy.massFailure ? { massFailure: spec.description ?? spec.summary } : {}),
    database: database?.connectivity ? {
      reachable: database.connectivity.reachable,
      // Long queries, plus transactions over the threshold that hold others up (an idle-in-transaction
      // blocker runs no long query, and its victims may not have waited the threshold yet).
      longRunningQueries: (database.load?.longRunningQueries.length ?? 0) + (database.load?.transactions?.longTransactions.filter((t) => t.blocking > 0).length ?? 0),
      terminationOptIn: spec.database?.terminateLongQueries === true,
      summary: database.summary,
    } : spec.database ? { reachable: false, longRunningQueries: 0, terminationOptIn: false, summary: database?.summary ?? 'database check failed' } : undefined,
  });
  let origin = breachOriginOf(incident);
  if (origin === undefined && signals && target?.deployment && deps.signalOrigin) {
    origin = await deps.signalOrigin(incident, target.deployment, target.replicaSets, signals.verdicts, deps.now()).catch(() => 'Undetermined' as const);
  }
  const workload = target?.deployment ?? target?.statefulSet;
  const proposal = proposeOnSignals({ base: baseProposal, origin, verdicts: signals?.verdicts ?? [], history, requestedRevision: spec.rollback?.toRevision });

  const record: DiagnosisStatus = {
    generation: incident.metadata.generation ?? 0,
    completedAt: deps.now().toISOString(),
    summary: '',
    checks,
    ...(target?.podHealth ? { pods: target.podHealth } : {}),
    ...(logs ? { logs: { signatures: logs.report.signatures.map(({ signature, count }) => ({ signature, count })), excerpt: logs.report.excerpt, errorLines: logs.report.errorLines, linesScanned: logs.report.linesScanned, failures: logs.failures } } : {}),
    ...(history ? { history } : {}),
    ...(database ? { database } : {}),
    ...(sharedCause ? { sharedCause } : {}),
    ...(signals ? { signals } : {}),
    ...(workload ? { owner: detectWorkloadOwner({ namespace: ns, labels: workload.metadata?.labels, annotations: workload.metadata?.annotations, argoCdNamespace: deps.argoCdNamespace ?? 'argocd' }) } : {}),
    proposal,
  };
  record.summary = summariseDiagnosis(record, target);
  return record;
}

/** e.g. `revision 7 crash-looping: 3/3 pods CrashLoopBackOff; 'ECONNREFUSED <ip>:<port>' x96; database reachable in 3 ms; last known good: revision 6` */
export function summariseDiagnosis(d: DiagnosisStatus, target: TargetSnapshot | undefined): string {
  const parts: string[] = [];
  if (target && !target.deployment && !target.statefulSet) parts.push(target.summary);
  if (d.pods) {
    const current = d.history?.currentRevision;
    const crashing = d.pods.crashLoopingPods;
    const waiting = Object.entries(d.pods.waitingReasons).sort((a, b) => b[1] - a[1])[0];
    if (crashing > 0) parts.push(`revision ${current ?? '?'} crash-looping: ${crashing}/${d.pods.total} pods ${waiting?.[0] ?? 'CrashLoopBackOff'}`);
    else parts.push(`${d.pods.ready}/${d.pods.desired} replicas ready${current ? ` at revision ${current}` : ''}`);
  }
  if (d.logs && d.logs.signatures.length > 0) {
    parts.push(summariseSignatures({ signatures: d.logs.signatures.map((s, i) => ({ ...s, firstSeenIndex: i })), excerpt: [], errorLines: d.logs.errorLines, linesScanned: d.logs.linesScanned, truncated: false }, 1));
  }
  if (d.database) parts.push(d.database.summary);
  if (d.signals) parts.push(`signals: ${d.signals.summary}`);
  if (d.history) {
    const lkg = d.history.lastKnownGood;
    parts.push(lkg.revision !== null ? `last known good: revision ${lkg.revision}${lkg.source === 'PreviousRevisionFallback' ? ' (previous revision, no healthy record)' : ''}` : 'no known good revision');
  }
  const failed = d.checks.filter((c) => !c.ok).map((c) => `${c.name} check failed (${c.error ?? 'error'})`);
  parts.push(...failed);
  return parts.join('; ').slice(0, 512);
}
