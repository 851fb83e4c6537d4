/**
 * Alertmanager intents → Incidents. A firing alert creates the Incident under a deterministic name
 * (de-duplicated by fingerprint: a repeat only records "last seen"); a resolved alert is recorded and,
 * when configured, resolves the Incident. Alerts without a `deployment` label cannot satisfy the runbooks
 * that need a target: they are logged and create nothing.
 */
import { GROUP, INCIDENT_KIND, VERSION, type Incident } from '../api/incident.js';
import type { IncidentIntent } from '../intake/alertmanager.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import { isAlreadyExists, isNotFound } from '../runtime/kube-errors.js';

export const AlertAnnotation = {
  fingerprint: 'runbook.dev/alert-fingerprint',
  lastSeen: 'runbook.dev/alert-last-seen',
  resolvedAt: 'runbook.dev/alert-resolved-at',
} as const;

export async function applyAlertIntents(
  incidents: IncidentClient,
  intents: readonly IncidentIntent[],
  opts: { resolveOnAlertResolved: boolean; log: Logger },
): Promise<void> {
  for (const intent of intents) {
    if (intent.resolved) {
      try {
        await incidents.patchMetadataAndSpec(intent.namespace, intent.name, {
          metadata: { annotations: { [AlertAnnotation.resolvedAt]: intent.endsAt } },
          ...(opts.resolveOnAlertResolved ? { spec: { resolution: { resolvedBy: 'alertmanager', resolvedAt: new Date().toISOString(), note: 'alert resolved in Alertmanager' } } } : {}),
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      continue;
    }
    if (!intent.target) {
      opts.log.warn('alert without a deployment label: no incident created', { namespace: intent.namespace, alert: intent.name });
      continue;
    }
    const body: Incident = {
      apiVersion: `${GROUP}/${VERSION}`, kind: INCIDENT_KIND,
      metadata: {
        name: intent.name, namespace: intent.namespace,
        labels: { 'runbook.dev/created-by': 'alertmanager' },
        annotations: { [AlertAnnotation.fingerprint]: intent.dedupKey, [AlertAnnotation.lastSeen]: new Date().toISOString() },
      },
      spec: {
        severity: intent.severity,
        summary: intent.summary || 'alert from Alertmanager',
        runbook: intent.runbook === 'CrashLoop' ? 'CrashLoop' : 'APIOutage',
        target: { kind: 'Deployment', name: intent.target },
      },
    };
    try {
      await incidents.create(body);
      opts.log.info('incident opened from alert', { incident: `${intent.namespace}/${intent.name}`, severity: intent.severity });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await incidents.patchMetadataAndSpec(intent.namespace, intent.name, { metadata: { annotations: { [AlertAnnotation.lastSeen]: new Date().toISOString() } } });
    }
  }
}
