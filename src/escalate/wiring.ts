/** Escalation and Alertmanager intake, wired into the operator. */
import { readFileSync } from 'node:fs';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { EscalatorFactoryDeps, OperatorOptions } from '../operator.js';
import { PolicyEscalator } from './escalator.js';
import { alertmanagerRoute } from './alert-intake.js';
import { deliveryRecorder } from '../observability/incident-metrics.js';

export function buildEscalator(config: OperatorConfig, log: Logger): (deps: EscalatorFactoryDeps) => PolicyEscalator {
  return ({ clients, metrics, caches, clock }) => new PolicyEscalator({
    core: clients.core, config, log, clock,
    policies: caches.policies,
    pagerDutyUrl: config.pagerDutyEventsUrl,
    onDelivery: deliveryRecorder(metrics, clock),
    onFallback: (targetType) => metrics.notificationFallbacks.inc({ target_type: targetType }),
  });
}

/** Bearer token read from a mounted Secret file (re-read at most every 10 s, so rotation works). */
function tokenReader(path: string | undefined, clock: Clock): () => string | undefined {
  let cached: { value: string | undefined; at: number } | undefined;
  return () => {
    if (!path) return undefined;
    const now = clock.now().getTime();
    if (cached && now - cached.at < 10_000) return cached.value;
    let value: string | undefined;
    try { value = readFileSync(path, 'utf8').trim() || undefined; } catch { value = undefined; }
    cached = { value, at: now };
    return value;
  };
}

export function buildRoutes(config: OperatorConfig, log: Logger, clock: Clock = systemClock): NonNullable<OperatorOptions['routes']> {
  return ({ incidents, caches, metrics }) => ({
    '/alertmanager': alertmanagerRoute(config, log, {
      incidents, cachedIncidents: caches.incidents, token: tokenReader(config.alertmanagerTokenFile, clock),
      count: (outcome, n) => metrics.intakeAlerts.inc({ outcome }, n),
    }),
  });
}
