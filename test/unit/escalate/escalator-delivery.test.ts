/**
 * PolicyEscalator's reliable delivery end to end, fast: fake clock and a fake Secret reader, real HTTP to
 * loopback receivers (test/harness/flaky-receiver.ts). Fallback after the configured time (condition, notes,
 * metric callback, the next tier recorded as notified), clearing on recovery; order per target; body once.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import { loadConfig } from '../../../src/config.js';
import { PolicyEscalator } from '../../../src/escalate/escalator.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import type { PolicyObject, ReadCache } from '../../../src/ports/caches.js';
import { startFlakyReceivers, type FlakyReceivers } from '../../harness/flaky-receiver.js';

describe('escalate/escalator: reliable delivery (fake clock, loopback receivers)', () => {
  let rx: FlakyReceivers;
  before(async () => { rx = await startFlakyReceivers(); });
  after(async () => { await rx.close(); });

  function setup() {
    const clock = new FakeClock(Date.parse('2026-01-05T10:00:00.000Z'));
    const secretData: Record<string, string> = { pd: 'RK-1', slack: rx.slack.url('/t1'), slack2: rx.slack.url('/t2'), hook: rx.webhook.url('/t2') };
    const core = { readNamespacedSecret: async () => ({ data: Object.fromEntries(Object.entries(secretData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }) } as unknown as k8s.CoreV1Api;
    const policy: PolicyObject = { metadata: { name: 'default', namespace: 'ns' }, spec: {
      notifyOnPhaseChange: false, severityRules: [],
      tiers: [
        { name: 'On-call', level: 1, triggers: ['OnOpen'], targets: [{ type: 'pagerduty', name: 'pd-1', secretRef: { name: 's', key: 'pd' } }, { type: 'slack', name: 'slack-1', secretRef: { name: 's', key: 'slack' } }] },
        { name: 'Lead', level: 2, triggers: ['AcknowledgeDeadlineExceeded'], targets: [{ type: 'slack', name: 'slack-2', secretRef: { name: 's', key: 'slack2' } }, { type: 'webhook', name: 'hook-2', secretRef: { name: 's', key: 'hook' } }] },
      ] } };
    const policies: ReadCache<PolicyObject> = { get: (ns, name) => (ns === 'ns' && name === 'default' ? policy : undefined), list: () => [policy] };
    const config = loadConfig({ NOTIFY_FALLBACK_SECONDS: '60', NOTIFY_RETRY_CAP_MS_P1: '2000', NOTIFY_ATTEMPT_TIMEOUT_MS: '1000' });
    const fallbacks: string[] = [];
    const log = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
    const esc = new PolicyEscalator({ core, config, log, policies, clock, pagerDutyUrl: rx.pagerduty.url('/v2/enqueue'), onFallback: (c) => fallbacks.push(c), rand: () => 1 });
    const incident: Incident = { metadata: { name: 'inc', namespace: 'ns', uid: 'uid-esc', generation: 1 }, spec: { severity: 'P1', summary: 'payments down', target: { kind: 'Deployment', name: 'payments' } } };
    const opened = clock.now();
    let status: IncidentStatus = { phase: 'Diagnosing', openedAt: opened.toISOString(), acknowledgeBy: new Date(opened.getTime() + 900_000).toISOString(), respondBy: new Date(opened.getTime() + 3_600_000).toISOString() };
    const notes: string[] = [];
    const reconcile = async () => {
      const e = await esc.escalate(incident, status, clock.now());
      status = e.status;
      notes.push(...(e.notes ?? []).map((n) => `${n.warn ? 'Warning' : 'Normal'} ${n.reason}`));
      const d = await esc.deliver(incident, status, clock.now());
      if (d) status = d.status;
      return { wait: Math.min(e.requeueAfterMs ?? Infinity, d?.requeueAfterMs ?? Infinity) };
    };
    return { clock, reconcile, fallbacks, notes, get status() { return status; }, set status(s: IncidentStatus) { status = s; } };
  }

  it('PagerDuty down past the fallback time: fallback notifications, condition, notes, metric; cleared after recovery', async () => {
    await rx.pagerduty.setMode({ kind: 'status', status: 503 });
    const h = setup();
    let r = await h.reconcile();
    expect(h.status.notifications?.targets?.find((t) => t.name === 'pd-1')?.failingSince).to.equal(h.clock.now().toISOString());
    expect(r.wait, 'the P1 retry cap bounds the requeue').to.be.at.most(2000);
    const openedAt = h.clock.now().getTime();
    while (!h.fallbacks.length && h.clock.now().getTime() < openedAt + 70_000) {
      expect(r.wait, 'never more than the P1 cap between attempts').to.be.at.most(2000);
      h.clock.advance(r.wait); r = await h.reconcile();
    }
    expect(h.clock.now().getTime() - openedAt, 'not before the fallback time').to.be.at.least(60_000);
    expect(h.fallbacks).to.deep.equal(['pagerduty']);
    const failing = h.status.conditions?.find((c) => c.type === 'NotificationsFailing');
    expect(failing).to.include({ status: 'True', reason: 'TargetUnreachable' });
    expect(h.notes).to.include.members(['Warning TargetUnreachable', 'Warning NotificationFallback']);
    expect(h.status.escalation?.notified?.map((n) => `${n.tier}:${n.trigger}`)).to.include('2:NotificationFallback');
    expect(h.status.escalation?.tier).to.equal(2);
    const fallbackKeys = (h.status.notifications?.outbox ?? []).filter((e) => e.key.includes('Fallback-pd-1')).map((e) => `${e.key.split(':').slice(0, 3).join(':')}=${e.state}`);
    expect(fallbackKeys).to.deep.equal(['escalated:1:slack-1=Delivered', 'escalated:2:slack-2=Delivered', 'escalated:2:hook-2=Delivered']);
    const hook = rx.webhook.successful((q) => String(q.headers['webhook-id']).startsWith('uid-esc/'))[0]!;
    expect(hook.body.reason).to.match(/^on-call unreachable through pagerduty: pagerduty target \S+: HTTP /);

    // Fallback fires once per streak.
    h.clock.advance(2000); await h.reconcile();
    expect(h.fallbacks).to.have.length(1);

    await rx.pagerduty.setMode({ kind: 'ok' });
    h.clock.advance(2000); await h.reconcile();
    h.clock.advance(10); await h.reconcile(); // the escalate step sees the delivered page
    expect(h.status.conditions?.find((c) => c.type === 'NotificationsFailing')).to.include({ status: 'False', reason: 'NotificationsDelivered' });
    expect(h.notes).to.include('Normal NotificationsDelivered');
    const pd = rx.pagerduty.successful((q) => q.body?.dedup_key === 'uid-esc');
    expect(pd.map((q) => q.body.event_action)).to.deep.equal(['trigger']);
    const attempts = rx.pagerduty.requests.filter((q) => q.body?.dedup_key === 'uid-esc');
    expect(new Set(attempts.map((q) => q.rawBody)).size, 'every attempt carried the same bytes').to.equal(1);

    // Resolve: the resolves go to every paged target (tier 2 through the fallback too), after their triggers.
    h.status = { ...h.status, phase: 'Resolved', resolvedAt: h.clock.now().toISOString() };
    h.clock.advance(10); await h.reconcile();
    expect(rx.pagerduty.successful((q) => q.body?.dedup_key === 'uid-esc').map((q) => q.body.event_action)).to.deep.equal(['trigger', 'resolve']);
    expect(rx.webhook.successful((q) => String(q.headers['webhook-id']).startsWith('uid-esc/')).map((q) => q.body.kind)).to.deep.equal(['escalated', 'resolved']);
    expect((h.status.notifications?.outbox ?? []).every((e) => e.state === 'Delivered')).to.equal(true);
  });

  it('a rollback recorded in status is sent once as a PagerDuty Change Event', async () => {
    await rx.pagerduty.setMode({ kind: 'ok' });
    const h = setup();
    await h.reconcile();
    const completedAt = h.clock.now().toISOString();
    h.status = { ...h.status, remediation: { state: 'Succeeded', reason: 'RolledBack', completedAt, message: 'rolled back payments from revision 3 to revision 2' } };
    for (let i = 0; i < 3; i++) { h.clock.advance(10); await h.reconcile(); }
    const changes = rx.pagerduty.successful((q) => q.path === '/v2/change/enqueue' && q.body?.payload?.custom_details?.incident_uid === 'uid-esc');
    expect(changes).to.have.length(1);
    expect(changes[0]!.body).to.deep.include({ routing_key: 'RK-1' });
    expect(changes[0]!.body.payload.summary).to.include('rolled back payments from revision 3 to revision 2');
    expect(h.status.notifications?.changeEventsThrough).to.equal(completedAt);
  });
});
