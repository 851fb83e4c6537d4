/** Escalation and Alertmanager intake, wired into the operator. */
import { readFileSync } from 'node:fs';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OperatorOptions } from '../operator.js';
import { createAlertmanagerHandler } from '../intake/alertmanager-http.js';
import { PolicyEscalator, type PolicyObject } from './escalator.js';
import { applyAlertIntents } from './alert-intake.js';

export function buildEscalator(config: OperatorConfig, log: Logger): OperatorOptions['escalator'] {
  return ({ clients, metrics, caches }) => new PolicyEscalator({
    core: clients.core, config, log,
    policies: caches.policies as unknown as import('../controllers/caches.js').ReadCache<PolicyObject>,
    pagerDutyUrl: config.pagerDutyEventsUrl,
    onDelivery: (channel, ok) => metrics.notifications.inc({ channel, result: ok ? 'delivered' : 'failed' }),
  });
}

/** Bearer token read from a mounted Secret file (re-read at most every 10 s, so rotation works). */
function tokenReader(path: string | undefined): () => string | undefined {
  let cached: { value: string | undefined; at: number } | undefined;
  return () => {
    if (!path) return undefined;
    if (cached && Date.now() - cached.at < 10_000) return cached.value;
    let value: string | undefined;
    try { value = readFileSync(path, 'utf8').trim() || undefined; } catch { value = undefined; }
    cached = { value, at: Date.now() };
    return value;
  };
}

export function buildRoutes(config: OperatorConfig, log: Logger): OperatorOptions['routes'] {
  return ({ incidents }) => ({
    '/alertmanager': createAlertmanagerHandler({
      token: tokenReader(config.alertmanagerTokenFile),
      onIntents: (intents) => applyAlertIntents(incidents, intents, { resolveOnAlertResolved: config.alertmanagerResolvesIncidents, log }),
      onError: (e: unknown) => log.error('alertmanager intake failed', { error: (e as Error)?.message }),
    }),
  });
}
