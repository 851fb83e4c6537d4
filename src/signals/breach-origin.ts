/**
 * For an Incident the signal watcher did not open (a person, an Alertmanager alert): did its breaching
 * signals start after the target's newest rollout? Asks Prometheus about the moment before the rollout
 * (`time=`); only for a revision rolled out within SIGNAL_ROLLOUT_WINDOW_SECONDS (older: undefined, the
 * pod-based proposal stands). Probes cannot look back: their origin is Undetermined (no rollback).
 */
import type { SignalVerdict } from '../api/signals.js';
import type { SignalsConfig } from '../config.js';
import { breachOrigin, effectiveSignals, type BreachOrigin } from '../decide/health-signals.js';
import type { KubeDeployment, KubeReplicaSet } from '../decide/kube-types.js';
import { newestRollout } from '../decide/metric-rollback.js';
import type { Incident } from '../api/incident.js';
import type { SignalEvaluator } from './signal-evaluator.js';

export type SignalOrigin = (incident: Incident, deployment: KubeDeployment, replicaSets: readonly KubeReplicaSet[], verdicts: readonly SignalVerdict[], now: Date) => Promise<BreachOrigin | undefined>;

export function signalOrigin(evaluator: Pick<SignalEvaluator, 'verdictsAt'>, config: Pick<SignalsConfig, 'rolloutWindowSeconds'>): SignalOrigin {
  return async (incident, deployment, replicaSets, verdicts, now) => {
    const breaching = verdicts.filter((v) => v.verdict === 'Breaching').map((v) => v.name);
    if (breaching.length === 0) return undefined;
    const rollout = newestRollout(deployment, replicaSets);
    if (!rollout?.rolledOutAt || now.getTime() - rollout.rolledOutAt.getTime() > config.rolloutWindowSeconds * 1000) return undefined;
    const specs = effectiveSignals(incident.spec.signals, deployment.metadata?.annotations).signals.filter((s) => breaching.includes(s.name));
    const at = await evaluator.verdictsAt(specs, new Date(rollout.rolledOutAt.getTime() - 1000));
    const origins = specs.map((s) => breachOrigin(at[s.name], undefined, rollout.rolledOutAt!));
    if (origins.includes('BeforeRollout')) return 'BeforeRollout';
    if (origins.includes('Undetermined')) return 'Undetermined';
    return 'AfterRollout';
  };
}
