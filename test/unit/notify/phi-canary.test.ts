import { expect } from 'chai';
import { buildPagerDutyEvent } from '../../../src/notify/pagerduty.js';
import { buildSlackMessage } from '../../../src/notify/slack.js';
import { buildWebhookBody } from '../../../src/notify/webhook.js';
import type { NotificationEvent } from '../../../src/notify/types.js';

/** Fake identifiers: if any of these shows up in an outgoing body, PHI leaked. */
const SSN = '078-05-1120';
const EMAIL = 'jane.patient@example.org';
const CANARIES = [SSN, EMAIL];

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    incidentUid: 'c0ffee00-0000-4000-8000-000000000002',
    incidentName: 'api-outage-canary',
    namespace: 'patient-advocacy',
    severity: 'P0',
    phase: 'Mitigating',
    summary: `Lookup failed for patient ${EMAIL} ssn ${SSN}`,
    target: 'patient-advocacy-api',
    tier: 3,
    tierName: 'VP of Engineering / CTO',
    kind: 'escalated',
    reason: `Escalated after a failure for ${EMAIL}`,
    actionsTaken: [`Retried request for SSN ${SSN}`, `Contacted ${EMAIL}`],
    impact: { replicasAvailable: 0, replicasDesired: 3, openForSeconds: 5400 },
    logSignatures: [{ signature: `user ${EMAIL} not found (ssn=${SSN})`, count: 3 }],
    metrics: { last_user: EMAIL, error_rate: 1 },
    ask: `Call back ${EMAIL} once restored`,
    links: { logs: `https://logs.example.org/search?q=${encodeURIComponent(EMAIL)}` , incident: `https://logs.example.org/search?q=${EMAIL}` },
    occurredAt: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

const bodies: { name: string; build: (ev: NotificationEvent) => unknown }[] = [
  { name: 'Slack', build: (ev) => buildSlackMessage(ev) },
  { name: 'PagerDuty', build: (ev) => buildPagerDutyEvent(ev, 'routing-key-fixture') },
  { name: 'webhook', build: (ev) => buildWebhookBody(ev) },
];

describe('notify PHI canary', () => {
  for (const b of bodies) {
    it(`${b.name} body contains no SSN or email from free text`, () => {
      const serialised = JSON.stringify(b.build(event()));
      for (const canary of CANARIES) {
        expect(serialised, canary).to.not.include(canary);
        expect(serialised, `${canary} (url-encoded)`).to.not.include(encodeURIComponent(canary));
      }
      // The body is still useful: the non-PHI parts of the text survive.
      expect(serialised).to.include('Lookup failed for patient');
    });
  }

  it('the fixture really contains the canaries (guards against a vacuous test)', () => {
    const raw = JSON.stringify(event());
    for (const canary of CANARIES) expect(raw).to.include(canary);
  });
});
