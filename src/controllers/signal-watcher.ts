/**
 * Metric-triggered rollback: evaluates the default health signals (annotation `runbook.dev/signals`) of
 * opted-in Deployments (AUTO_ROLLBACK_SELECTOR on the Deployment or its Namespace — the crash-loop consent)
 * every SIGNAL_INTERVAL_MS, keeps each signal's breach streak, and when a signal has breached for
 * SIGNAL_CONSECUTIVE_BREACHES evaluations within SIGNAL_ROLLOUT_WINDOW_SECONDS of the newest rollout, opens
 * an Incident (like the crash-loop detector: deterministic name, one open per Deployment). The decision is
 * pure (decideMetricRollback); the Incident records the breach origin, which the diagnosis turns into a
 * rollback (after the rollout) or an escalation (before it, or undetermined).
 */
import type { Incident } from '../api/incident.js';
import { GROUP, INCIDENT_KIND, VERSION } from '../api/incident.js';
import { Annotation, Label } from '../api/reasons.js';
import type { SignalVerdict } from '../api/signals.js';
import type { OperatorConfig } from '../config.js';
import { isOptedIn } from '../decide/crashloop-detect.js';
import { combineVerdicts, effectiveSignals, summariseVerdicts } from '../decide/health-signals.js';
import { decideMetricRollback, newestRollout } from '../decide/metric-rollback.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import type { Caches } from '../ports/caches.js';
import type { Clock } from '../runtime/clock.js';
import { isAlreadyExists } from '../runtime/kube-errors.js';
import { splitKey, type ReconcileResult } from '../runtime/work-queue.js';
import type { SignalEvaluator } from '../signals/signal-evaluator.js';
import { openIncidentFor } from './crashloop-detector.js';
import { replicaSetsOf } from './target-snapshot.js';

export const SIGNAL_WATCHER = 'signal-watcher';

export interface SignalWatcherDeps {
  caches: Caches;
  incidents: IncidentClient;
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  evaluator: Pick<SignalEvaluator, 'evaluate' | 'verdictsAt'>;
  onIncidentCreated?(incident: Incident): void;
}

interface WatchState {
  uid: string;
  revision?: number;
  lastAt: number;
  evaluations: number;
  verdicts: SignalVerdict[];
  /** Per signal: when its current breach streak started. */
  streakStartedAt: Record<string, Date>;
  /** Consecutive all-Healthy evaluations of `revision` (a fresh release's rate windows still hold old traffic). */
  healthyStreak: number;
}

export class SignalWatcher {
  private readonly state = new Map<string, WatchState>();

  constructor(private readonly d: SignalWatcherDeps) {}

  /**
   * Has the Deployment's current revision passed its signals? undefined: it has no signals or is not opted in;
   * true only after as many consecutive all-Healthy evaluations of this revision as a breach needs to count
   * (at least 2), so a release is never recorded known good before a breach could have been seen.
   */
  signalsHealthy = (namespace: string, name: string): boolean | undefined => {
    const s = this.state.get(`${namespace}/${name}`);
    const deployment = this.d.caches.deployments.get(namespace, name);
    if (!deployment || effectiveSignals(undefined, deployment.metadata?.annotations).signals.length === 0) return undefined;
    // Not opted in: the watcher does not evaluate it, so it has no say (pod health alone decides, as before).
    const nsLabels = this.d.caches.namespaces.get(undefined, namespace)?.metadata?.labels;
    if (!isOptedIn(deployment.metadata?.labels, nsLabels, { label: this.d.config.autoRollbackLabel, value: this.d.config.autoRollbackValue })) return undefined;
    if (!s) return false;
    const current = newestRollout(deployment, replicaSetsOf(this.d.caches, namespace, name))?.revision;
    return s.revision === current && combineVerdicts(s.verdicts).allHealthy && s.healthyStreak >= this.d.config.signals.healthyEvaluations;
  };

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const interval = this.d.config.signals.intervalMs;
    const deployment = this.d.caches.deployments.get(namespace, name);
    if (!deployment) { this.state.delete(key); return; }
    const selector = { label: this.d.config.autoRollbackLabel, value: this.d.config.autoRollbackValue };
    const nsLabels = this.d.caches.namespaces.get(undefined, namespace)?.metadata?.labels;
    const signals = effectiveSignals(undefined, deployment.metadata?.annotations);
    if (!isOptedIn(deployment.metadata?.labels, nsLabels, selector) || signals.signals.length === 0) {
      if (signals.error) this.d.log.warn('invalid default signals annotation', { deployment: key, error: signals.error });
      this.state.delete(key);
      return;
    }
    const now = this.d.clock.now();
    let s = this.state.get(key);
    if (!s || s.uid !== deployment.metadata?.uid) {
      s = { uid: deployment.metadata?.uid ?? '', lastAt: 0, evaluations: 0, verdicts: [], streakStartedAt: {}, healthyStreak: 0 };
      this.state.set(key, s);
    }
    // A Deployment event re-enqueues the key: evaluate at most once per interval.
    const dueIn = s.lastAt + interval - now.getTime();
    if (s.lastAt > 0 && dueIn > 0) return { requeueAfterMs: dueIn };

    const replicaSets = ownedReplicaSets(deployment, replicaSetsOf(this.d.caches, namespace, name)).map((o) => o.replicaSet);
    const verdicts = await this.d.evaluator.evaluate(signals.signals, s.verdicts);
    s.lastAt = now.getTime();
    s.evaluations += 1;
    const revision = newestRollout(deployment, replicaSets)?.revision;
    s.healthyStreak = revision === s.revision && combineVerdicts(verdicts).allHealthy ? s.healthyStreak + 1 : combineVerdicts(verdicts).allHealthy ? 1 : 0;
    s.revision = revision;
    for (const v of verdicts) {
      if (v.verdict === 'Breaching' && v.consecutiveBreaches === 1) s.streakStartedAt[v.name] = now;
      if (v.verdict === 'Healthy') delete s.streakStartedAt[v.name];
    }
    s.verdicts = verdicts;
    this.d.log.debug('signals evaluated', { deployment: key, evaluation: s.evaluations, revision: s.revision, summary: summariseVerdicts(verdicts) });

    const base = {
      deployment, replicaSets, namespaceLabels: nsLabels, optInSelector: selector,
      openIncidentExists: !!openIncidentFor(this.d.caches, namespace, name), now,
      rolloutWindowSeconds: this.d.config.signals.rolloutWindowSeconds,
      consecutiveBreaches: this.d.config.signals.consecutiveBreaches,
      verdicts, streakStartedAt: s.streakStartedAt,
    };
    let decision = decideMetricRollback(base);
    if (decision.open) {
      // Was it already breaching at the rollout? Ask Prometheus about that moment (probes: the streak start).
      const atRollout = await this.d.evaluator.verdictsAt(signals.signals.filter((x) => decision.open && decision.breaching.includes(x.name)), new Date(decision.rolledOutAt.getTime() - 1000));
      decision = decideMetricRollback({ ...base, atRollout });
    }
    if (!decision.open) return { requeueAfterMs: interval };

    const incident: Incident = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: INCIDENT_KIND,
      metadata: {
        name: decision.incidentName,
        namespace,
        labels: { [Label.incidentDeployment]: name, [Label.createdBy]: SIGNAL_WATCHER },
        annotations: { [Annotation.signalBreachOrigin]: decision.origin },
      },
      spec: {
        severity: 'P1',
        summary: `Deployment ${name} revision ${decision.revision}: ${decision.breaching.join(', ')} breaching`.slice(0, 120),
        description: decision.message.slice(0, 4096),
        runbook: 'APIOutage',
        target: { kind: 'Deployment', name },
        rollback: { policy: 'Automatic' },
        signals: signals.signals,
      },
    };
    try {
      const created = await this.d.incidents.create(incident);
      this.d.log.info('signal breach: incident opened', {
        incident: `${namespace}/${decision.incidentName}`, deployment: name, revision: decision.revision,
        origin: decision.origin, action: decision.action, evaluation: s.evaluations, summary: summariseVerdicts(verdicts),
      });
      this.d.onIncidentCreated?.(created);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return { requeueAfterMs: interval };
  };
}
