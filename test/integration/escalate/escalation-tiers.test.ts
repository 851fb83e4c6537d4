/**
 * Escalate, end to end: a P1 incident nobody acknowledges walks up the runbook's escalation path. Tier 1 is
 * notified when it opens, tier 2 when the acknowledge deadline passes (not before), tier 3 when the response
 * deadline passes; every tier reaches its own Slack, PagerDuty and webhook targets (local receivers, URLs and
 * keys from a Secret), status.escalation.tier goes 1 → 2 → 3 and `kubectl get incidents` shows TIER 3.
 * Webhook deliveries carry an HMAC signature the receiver verifies. Real API server, real operator process.
 */
import { expect } from 'chai';
import { createTestNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment, createIncident, waitForCrashLoop } from '../../harness/rollout.js';
import {
  applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxOf, pagerDutyEvents, requestsForTier,
  type Json, type PolicySetup,
  tearDownEscalationSuite,
} from '../../harness/escalation.js';
import { verifyWebhookSignature } from '../../../src/notify/webhook.js';

const ACK_SECONDS = 8;
const RESPONSE_SECONDS = 16;

describe('escalate: tiers on the acknowledge and response deadlines (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let setup: PolicySetup;
  const target = 'checkout';
  const name = 'checkout-unavailable';
  let final: Json;

  before(async () => {
    ns = await createTestNamespace('esc-tiers');
    receivers = await startReceivers();
    setup = escalationSetup(ns, receivers);
    await applyEscalationSetup(setup);
    await applyDeployment({ name: target, namespace: ns, image: 'example.test/checkout:1.0.0', replicas: 2, crashLoop: true });
    await waitForCrashLoop(ns, target, { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({
      namespaces: [ns],
      env: {
        ACKNOWLEDGE_SECONDS: String(ACK_SECONDS),
        RESPONSE_SECONDS_P1: String(RESPONSE_SECONDS),
        PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue'),
      },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await tearDownEscalationSuite({ ops: [op], receivers, ns, failed });
  });

  it('notifies tier 1 at open, tier 2 at the acknowledge deadline and tier 3 at the response deadline', async () => {
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'checkout returns 503 for every request', target, rollback: { policy: 'Disabled' } });

    // Watch status.escalation.tier change while the clocks run.
    const tiersSeen: number[] = [];
    let last: Json;
    try {
      final = await waitFor('tier 3 notified on every channel', async () => {
        last = await getIncidentJson(ns, name);
        const tier = last?.status?.escalation?.tier;
        if (typeof tier === 'number' && tiersSeen.at(-1) !== tier) tiersSeen.push(tier);
        const entries = outboxOf(last);
        return tier === 3 && entries.length === 9 && entries.every((e: Json) => e.state === 'Delivered') ? last : undefined;
      }, (RESPONSE_SECONDS + 60) * 1000, 200);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify(escalationSummary(last))}`, { cause: e });
    }
    const summary = JSON.stringify(escalationSummary(final));
    const openedAt = Date.parse(final.status.openedAt);
    const ackBy = Date.parse(final.status.acknowledgeBy);
    const respondBy = Date.parse(final.status.respondBy);
    expect(ackBy - openedAt, 'ACKNOWLEDGE_SECONDS applied').to.equal(ACK_SECONDS * 1000);
    expect(respondBy - openedAt, 'RESPONSE_SECONDS_P1 applied').to.equal(RESPONSE_SECONDS * 1000);

    expect(tiersSeen, `status.escalation.tier over time; ${summary}`).to.deep.equal([1, 2, 3]);
    expect(final.status.phase, summary).to.equal('Escalated');
    expect(final.status.conditions.find((c: Json) => c.type === 'Escalated')).to.include({ status: 'True', reason: 'EscalatedToTier' });
    expect(final.status.conditions.find((c: Json) => c.type === 'AcknowledgeDeadlineExceeded')?.status).to.equal('True');
    expect(final.status.conditions.find((c: Json) => c.type === 'ResponseDeadlineExceeded')?.status).to.equal('True');

    // Who was notified, why, and when (status record).
    const notified = final.status.escalation.notified as Json[];
    expect(notified.map((n) => `${n.tier}/${n.trigger}`), summary).to.deep.equal(['1/OnOpen', '2/AcknowledgeDeadlineExceeded', '3/ResponseDeadlineExceeded']);
    expect(Date.parse(notified[1].at), 'tier 2 not before the acknowledge deadline').to.be.at.least(ackBy);
    expect(Date.parse(notified[2].at), 'tier 3 not before the response deadline').to.be.at.least(respondBy);
    const timeline = (final.status.timeline as Json[]).filter((t) => t.type === 'EscalatedToTier').map((t) => t.reason);
    expect(timeline).to.deep.equal(['AcknowledgeDeadlineExceeded', 'ResponseDeadlineExceeded']);

    // What each tier's targets received: one delivery per channel, at the right time.
    const uid = final.metadata.uid;
    for (const level of [1, 2, 3]) {
      const got = requestsForTier(receivers, setup, level);
      expect(got.map((g) => g.channel).sort(), `tier ${level} channels`).to.deep.equal(['pagerduty', 'slack', 'webhook']);
      for (const { channel, req } of got) {
        expect(req.status, `${channel} tier ${level} answered`).to.be.within(200, 299);
        if (level === 2) expect(req.receivedAt.getTime(), `${channel} tier 2 not before the acknowledge deadline`).to.be.at.least(ackBy);
        if (level === 3) expect(req.receivedAt.getTime(), `${channel} tier 3 not before the response deadline`).to.be.at.least(respondBy);
      }
      const byChannel = Object.fromEntries(got.map((g) => [g.channel, g.req.body]));
      expect(byChannel.pagerduty).to.include({ event_action: 'trigger', dedup_key: uid, routing_key: setup.route(level).routingKey });
      expect(byChannel.pagerduty.payload.severity).to.equal('error');
      expect(byChannel.pagerduty.payload.custom_details).to.include({ tier: level, incident: name, namespace: ns, notification: level === 1 ? 'opened' : 'escalated' });
      expect(byChannel.webhook.kind).to.equal(level === 1 ? 'opened' : 'escalated');
      expect(byChannel.webhook.escalation.tier).to.equal(level);
      expect(byChannel.webhook.incident).to.include({ uid, name, namespace: ns, severity: 'P1', target });
      expect(byChannel.slack.text).to.include(level === 1 ? 'Incident opened' : 'Incident escalated').and.include(`tier ${level}`);
    }
    const tier1Last = Math.max(...requestsForTier(receivers, setup, 1).map((g) => g.req.receivedAt.getTime()));
    const tier2First = Math.min(...requestsForTier(receivers, setup, 2).map((g) => g.req.receivedAt.getTime()));
    expect(tier1Last, 'tier 1 is notified before tier 2').to.be.below(tier2First);
    expect(pagerDutyEvents(receivers).map((r) => r.body.dedup_key), 'one PagerDuty incident (same dedup_key)').to.deep.equal([uid, uid, uid]);
    for (const e of outboxOf(final)) expect(e, e.key).to.include({ state: 'Delivered', attempts: 1 });

    // kubectl get incidents shows the tier.
    const r = await kubectl(['get', 'incidents.runbook.dev', name, '-n', ns]);
    expect(r.code, r.stderr).to.equal(0);
    const [header, row] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(header).to.include('TIER');
    expect(row?.[header!.indexOf('TIER')], r.stdout).to.equal('3');
  });

  it('signs every webhook delivery with the HMAC key from the Secret, and the receiver verifies it', () => {
    expect(final, 'depends on the previous test').to.exist;
    const hooks = receivers.webhook.requests;
    expect(hooks.length).to.be.at.least(3);
    for (const h of hooks) {
      const headers = { signature: h.headers['x-incident-signature'] as string | undefined, timestamp: h.headers['x-incident-timestamp'] as string | undefined };
      expect(headers.signature, `${h.path} signature header`).to.match(/^sha256=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(h.rawBody, setup.hmacSecret, headers, h.receivedAt), h.path).to.deep.equal({ ok: true });
      // The check is real: another key, or one changed byte, fails.
      expect(verifyWebhookSignature(h.rawBody, `${setup.hmacSecret}x`, headers, h.receivedAt)).to.deep.equal({ ok: false, reason: 'bad-signature' });
      expect(verifyWebhookSignature(h.rawBody.replace('"tier"', '"tieR"'), setup.hmacSecret, headers, h.receivedAt)).to.deep.equal({ ok: false, reason: 'bad-signature' });
    }
    // The key itself never travels.
    for (const r of receivers.all()) expect(r.rawBody).to.not.include(setup.hmacSecret);
  });
});
