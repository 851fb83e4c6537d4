/**
 * The Alertmanager intake copies alert labels and annotations into Incidents (name, namespace, target,
 * runbook, summary, severity) and answers rejections. A canary planted in any label or annotation value, the
 * alertname, groupKey, receiver, generatorURL or externalURL never reaches an intent or a rejection reason
 * (label values that are Kubernetes names may become the namespace, target or runbook — the canary here never
 * is one).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { alertsToIncidentIntents, parseAlertmanagerPayload } from '../../../src/intake/alertmanager.js';
import { canaryTextArb, found } from '../../harness/canaries.js';

const positions = ['alertname', 'severity', 'namespace', 'deployment', 'runbook', 'patient', 'summary', 'description', 'groupKey', 'receiver', 'generatorURL', 'externalURL', 'fingerprint', 'startsAt', 'status'] as const;

function payload(at: (typeof positions)[number], text: string): Record<string, unknown> {
  const labels: Record<string, unknown> = { alertname: 'CheckoutDown', namespace: 'shop', deployment: 'api', severity: 'critical', runbook: 'api-outage' };
  const annotations: Record<string, unknown> = { summary: 'checkout failing', description: 'more' };
  const alert: Record<string, unknown> = { status: 'firing', labels, annotations, startsAt: '2026-01-05T10:00:00Z', endsAt: '', generatorURL: 'http://prom/graph', fingerprint: 'c0ffee01' };
  const body: Record<string, unknown> = { version: '4', groupKey: '{}:{}', truncatedAlerts: 0, status: 'firing', receiver: 'op', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [alert] };
  if (at === 'summary' || at === 'description') annotations[at] = text;
  else if (at === 'groupKey' || at === 'receiver' || at === 'externalURL') body[at] = text;
  else if (at === 'generatorURL' || at === 'fingerprint' || at === 'startsAt' || at === 'status') alert[at] = text;
  else labels[at] = `${text} `;
  if (at === 'summary') annotations.description = text;
  // A label whose value is an object (not a string): the rejection names the path, not the value.
  if (at === 'patient') labels.patient = { text };
  return body;
}

describe('intake/alertmanager: canaries in alerts never reach an Incident intent or a rejection', () => {
  for (const at of positions) {
    it(`${at}`, () => {
      fc.assert(fc.property(canaryTextArb, fc.boolean(), ({ canary, text }, summaryMissing) => {
        const body = payload(at, text);
        if (summaryMissing && at === 'alertname') delete (((body.alerts as Record<string, unknown>[])[0]!.annotations) as Record<string, unknown>).summary;
        const parsed = parseAlertmanagerPayload(JSON.parse(JSON.stringify(body)));
        const out = parsed.ok ? alertsToIncidentIntents(parsed.value, { defaultSeverity: 'P2' }) : parsed.reason;
        const text2 = JSON.stringify(out);
        expect(found(text2, [canary]), text2).to.deep.equal([]);
      }), { numRuns: 40 });
    });
  }

  it('the fixture opens an Incident with the fields a reader needs (the property is not vacuous)', () => {
    const parsed = parseAlertmanagerPayload(payload('patient', 'x'));
    expect(parsed.ok).to.equal(false);
    const ok = parseAlertmanagerPayload(payload('description', 'more'));
    expect(ok.ok && alertsToIncidentIntents(ok.value, { defaultSeverity: 'P2' })[0]).to.include({ namespace: 'shop', target: 'api', severity: 'P0', summary: 'checkout failing', runbook: 'api-outage' });
  });
});
