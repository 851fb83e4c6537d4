/**
 * Notification delivery errors reach the outbox (`lastError`, `finalReason`), the target health in status, the
 * NotificationsFailing condition, its Events and the operator's log. Canaries planted in what a receiver
 * answers (body, Retry-After, Slack `error`), in a failing request's error message and cause, and in the
 * Secret's values (URL path, userinfo, query; routing key; bot token; HMAC key) never come back.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import type { EscalationPolicySpec } from '../../../src/decide/escalation.js';
import { retryScheduleWith } from '../../../src/decide/retry-schedule.js';
import { deliverOutbox, type DeliveryContext } from '../../../src/escalate/outbox-delivery.js';
import { deliveryEscalation } from '../../../src/escalate/delivery-escalation.js';
import { notificationEntry } from '../../../src/escalate/outbox-enqueue.js';
import { sendPrepared } from '../../../src/notify/http-sender.js';
import { boundedError, enqueue } from '../../../src/notify/outbox.js';
import type { DeliveryResult, PreparedRequest } from '../../../src/notify/types.js';
import { canaryArb, canaryTextArb, found } from '../../harness/canaries.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');

/** How a fake fetch fails: answers a status with a canary body, or throws an error carrying the canary. */
type Failure =
  | { kind: 'answer'; status: number; body: string; retryAfter?: string }
  | { kind: 'throw'; message: string; causeMessage?: string; code?: string; name?: string };

const failureArb = (c: string): fc.Arbitrary<Failure> => fc.oneof(
  fc.record({
    kind: fc.constant('answer' as const),
    status: fc.constantFrom(200, 201, 301, 302, 400, 401, 403, 404, 410, 429, 500, 502, 503),
    body: fc.constantFrom(`{"ok":false,"error":"${c}"}`, `invalid routing key ${c}`, `<html>${c}</html>`, `{"ok":true,"ts":"${c}"}`, `{"error":"${c.toLowerCase().replace(/[^a-z]/gu, '_')}"}`),
    retryAfter: fc.option(fc.constantFrom(c, `Wed, ${c} GMT`), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('throw' as const),
    message: fc.constantFrom(`request to http://127.0.0.1/${c} failed`, `getaddrinfo ENOTFOUND ${c}.example.org`, c),
    causeMessage: fc.option(fc.constantFrom(`connect ECONNREFUSED ${c}`, `self signed certificate ${c}`), { nil: undefined }),
    code: fc.option(fc.constantFrom('ECONNREFUSED', 'UND_ERR_SOCKET', c, `E${c}`, c.toUpperCase().replace('-', '_')), { nil: undefined }),
    name: fc.option(fc.constantFrom('TypeError', 'FetchError', c), { nil: undefined }),
  }),
);

/** A canary and a failure carrying it. */
const withFailure = canaryArb.chain((c) => fc.tuple(fc.constant(c), failureArb(c)));

function fakeFetch(f: Failure): typeof fetch {
  return async () => {
    if (f.kind === 'answer') return new Response(f.body, { status: f.status, headers: f.retryAfter ? { 'retry-after': f.retryAfter } : {} });
    const cause = f.causeMessage || f.code ? Object.assign(new Error(f.causeMessage ?? 'x'), f.code ? { code: f.code } : {}) : undefined;
    const err = new TypeError(f.message, cause ? { cause } : undefined);
    if (f.name) Object.defineProperty(err, 'name', { value: f.name });
    throw err;
  };
}

const policy: EscalationPolicySpec = {
  tiers: [
    { name: 'On-call', level: 1, triggers: ['OnOpen'], targets: [
      { type: 'pagerduty', name: 'pd', secretRef: { name: 's', key: 'rk' } },
      { type: 'webhook', name: 'hook', secretRef: { name: 's', key: 'url' }, hmacSecretRef: { name: 's', key: 'hmac' } },
      { type: 'slack', name: 'chat', channel: 'C123', secretRef: { name: 's', key: 'token' } },
      { type: 'slack', name: 'incoming', secretRef: { name: 's', key: 'slack-url' } },
    ] },
    { name: 'Lead', level: 2, triggers: ['AcknowledgeDeadlineExceeded'], targets: [{ type: 'webhook', name: 'lead', secretRef: { name: 's', key: 'lead-url' } }] },
  ],
  severityRules: [], notifyOnPhaseChange: false,
};

const incident: Incident = { metadata: { name: 'inc', namespace: 'ns', uid: 'uid-1', generation: 1 }, spec: { severity: 'P1', summary: 'records down', target: { kind: 'Deployment', name: 'records' } } };

describe('notify: canaries in delivery failures never reach status, Events or logs', () => {
  it('sendPrepared: the error names the target and a status or code, never the URL, headers or answer', async () => {
    await fc.assert(fc.asyncProperty(withFailure, canaryTextArb, fc.constantFrom<PreparedRequest['answer']>('status', 'slack-api'), async ([c, failure], secret, answer) => {
      const req: PreparedRequest = {
        type: answer === 'slack-api' ? 'slack' : 'webhook', name: 'hook',
        url: `http://user:${secret.canary}@127.0.0.1:9/hook/${secret.canary}?token=${secret.canary}`,
        headers: { authorization: `Bearer ${secret.canary}` }, payload: '{}', answer,
      };
      const result = await sendPrepared(req, { timeoutMs: 1000, fetchImpl: fakeFetch(failure), now: () => T0 });
      const text = JSON.stringify({ result, stored: boundedError(result.error) });
      expect(found(text, [c, secret.canary]), text).to.deep.equal([]);
    }), { numRuns: 150 });
  });

  it('deliverOutbox + the fallback: outbox, target health, condition, notes and the logged results hold no canary', async () => {
    await fc.assert(fc.asyncProperty(withFailure, canaryArb, async ([answerCanary, failure], secretCanary) => {
      const secrets: Record<string, string> = {
        rk: secretCanary, url: `https://u:${secretCanary}@hook.test/in/${secretCanary}`, hmac: `whsec_${secretCanary}`,
        token: `xoxb-${secretCanary}`, 'slack-url': `https://hooks.slack.com/services/${secretCanary}`, 'lead-url': `http://127.0.0.1:9/${secretCanary}`,
      };
      let status: IncidentStatus = { phase: 'Diagnosing', openedAt: T0.toISOString(), acknowledgeBy: T0.toISOString(), respondBy: T0.toISOString() };
      for (const t of policy.tiers[0]!.targets) {
        const e = notificationEntry(incident, status, { key: `opened:1:${t.name}`, target: t, kind: 'opened', tier: 1, tierName: 'On-call', reason: 'opened' }, T0);
        status = { ...status, notifications: { ...status.notifications, outbox: enqueue(status.notifications?.outbox ?? [], [e], T0) } };
      }
      const logged: DeliveryResult[] = [];
      let now = T0;
      const ctx = (): DeliveryContext => ({
        incident, status, policy,
        settings: { schedule: retryScheduleWith({ P1: { capMs: 1000 } }), endpoints: { pagerDutyEventsUrl: `http://127.0.0.1:9/v2/enqueue`, slackApiUrl: 'http://127.0.0.1:9/api/chat.postMessage' } },
        readSecret: async (ref) => (secrets[ref.key] ? { value: secrets[ref.key]! } : { missing: true }),
        send: (req) => sendPrepared(req, { timeoutMs: 1000, fetchImpl: fakeFetch(failure), now: () => now }),
        now: () => now, rand: () => 0.5, legacyBody: () => '{}',
        onAttempt: (_t, _e, r) => { logged.push(r); },
      });
      for (let i = 0; i < 3; i++) {
        const out = await deliverOutbox(ctx());
        status = { ...status, notifications: out.notifications };
        now = new Date(now.getTime() + 60_000);
      }
      const esc = deliveryEscalation({ incident, status, policy, now, fallbackAfterMs: 1000 });
      const text = JSON.stringify({ notifications: status.notifications, logged, conditions: esc.conditions, notes: esc.notes });
      expect(text.length).to.be.greaterThan(100);
      expect(found(text, [answerCanary, secretCanary]), text).to.deep.equal([]);
    }), { numRuns: 60 });
  });

  it('the failures are real (the property is not vacuous): errors are recorded and name the target', async () => {
    const result = await sendPrepared({ type: 'webhook', name: 'hook', url: 'http://127.0.0.1:9/x', headers: {}, payload: '{}', answer: 'status' }, { timeoutMs: 1000, fetchImpl: fakeFetch({ kind: 'answer', status: 503, body: 'CANARY-0123456789abe9' }), now: () => T0 });
    expect(result).to.include({ ok: false, status: 503, retryable: true, error: 'webhook target hook: HTTP 503' });
    const refused = await sendPrepared({ type: 'webhook', name: 'hook', url: 'http://127.0.0.1:9/x', headers: {}, payload: '{}', answer: 'status' }, { timeoutMs: 1000, fetchImpl: fakeFetch({ kind: 'throw', message: 'fetch failed', causeMessage: 'connect', code: 'ECONNREFUSED' }), now: () => T0 });
    expect(refused.error).to.equal('webhook target hook: connection error (ECONNREFUSED)');
  });
});
