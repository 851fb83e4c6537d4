import { expect } from 'chai';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import type { OutboxEntry } from '../../../src/api/notifications.js';
import type { EscalationPolicySpec } from '../../../src/decide/escalation.js';
import { DefaultRetrySchedule, retryScheduleWith } from '../../../src/decide/retry-schedule.js';
import { deliverOutbox, type DeliveryContext } from '../../../src/escalate/outbox-delivery.js';
import { changeEventEntries, completedChange, notificationEntry } from '../../../src/escalate/outbox-enqueue.js';
import { enqueue } from '../../../src/notify/outbox.js';
import { verifyStandardWebhook } from '../../../src/notify/standard-webhooks.js';
import type { DeliveryResult, PreparedRequest } from '../../../src/notify/types.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');
const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const policy: EscalationPolicySpec = {
  tiers: [
    { name: 'On-call', level: 1, triggers: ['OnOpen'], targets: [
      { type: 'pagerduty', name: 'pd', secretRef: { name: 's', key: 'rk' } },
      { type: 'webhook', name: 'hook', secretRef: { name: 's', key: 'url' }, hmacSecretRef: { name: 's', key: 'hmac' } },
      { type: 'slack', name: 'chat', channel: 'C123', secretRef: { name: 's', key: 'token' } },
    ] },
    { name: 'Lead', level: 2, triggers: ['AcknowledgeDeadlineExceeded'], targets: [{ type: 'pagerduty', name: 'pd-2', secretRef: { name: 's', key: 'rk' } }] },
  ],
  severityRules: [], notifyOnPhaseChange: false,
};
const secrets: Record<string, string> = { rk: 'ROUTING-KEY', url: 'http://hook.test/in', hmac: secret, token: 'xoxb-test' };

function incident(severity: 'P1' | 'P2' = 'P1'): Incident {
  return { metadata: { name: 'inc', namespace: 'ns', uid: 'uid-1' }, spec: { severity, summary: 'records down', target: { kind: 'Deployment', name: 'records' } } };
}

function harness(severity: 'P1' | 'P2', answer: (req: PreparedRequest, n: number) => DeliveryResult) {
  let now = T0;
  const sent: PreparedRequest[] = [];
  const inc = incident(severity);
  let status: IncidentStatus = { phase: 'Diagnosing', openedAt: T0.toISOString() };
  const add = (kind: 'opened' | 'resolved', target: string) => {
    const t = policy.tiers.flatMap((x) => x.targets).find((x) => x.name === target)!;
    const e = notificationEntry(inc, status, { key: `${kind}:1:${target}`, target: t, kind, tier: 1, tierName: 'On-call', reason: kind }, now);
    status = { ...status, notifications: { ...status.notifications, outbox: enqueue(status.notifications?.outbox ?? [], [e], now) } };
  };
  const ctx = (): DeliveryContext => ({
    incident: inc, status, policy, settings: { schedule: retryScheduleWith({ P1: { capMs: 3000 } }), endpoints: { pagerDutyEventsUrl: 'http://pd.test/v2/enqueue', slackApiUrl: 'http://slack.test/api/chat.postMessage' } },
    readSecret: async (ref) => (secrets[ref.key] ? { value: secrets[ref.key]! } : { missing: true }),
    send: async (req) => { sent.push(req); return answer(req, sent.length); },
    now: () => now, rand: () => 1, legacyBody: () => { throw new Error('no legacy entries here'); },
  });
  return {
    add, sent, get status() { return status; }, set phase(p: IncidentStatus['phase']) { status = { ...status, phase: p }; },
    advance: (ms: number) => { now = new Date(now.getTime() + ms); },
    get now() { return now; },
    async deliver() { const out = await deliverOutbox(ctx()); status = { ...status, notifications: out.notifications }; return out; },
    outbox: (): OutboxEntry[] => status.notifications?.outbox ?? [],
  };
}

const ok = (threadTs?: string): DeliveryResult => ({ ok: true, status: 200, retryable: false, ...(threadTs ? { messageTs: threadTs } : {}) });
const down: DeliveryResult = { ok: false, status: 503, retryable: true, error: 'webhook target hook: HTTP 503', retryAfterSeconds: 60 };

describe('escalate/outbox-delivery', () => {
  it('a webhook down then back: the resolve waits for its trigger, every retry carries the same bytes and id, gaps stay within the P1 cap', async () => {
    let up = false;
    const h = harness('P1', (req) => (req.name === 'hook' && !up ? down : ok()));
    h.add('opened', 'hook');
    await h.deliver();
    h.phase = 'Resolved';
    h.add('resolved', 'hook');
    for (let i = 0; i < 4; i++) {
      const e = h.outbox().find((x) => x.key === 'opened:1:hook')!;
      expect(e.state).to.equal('Pending');
      const wait = Date.parse(e.nextAttemptAt!) - h.now.getTime();
      expect(wait, 'Retry-After 60 s is capped at the P1 cap').to.be.at.most(3000);
      h.advance(wait);
      if (i === 3) up = true;
      await h.deliver();
    }
    const hookReqs = h.sent.filter((r) => r.name === 'hook');
    const opened = hookReqs.filter((r) => JSON.parse(r.payload).kind === 'opened');
    expect(new Set(opened.map((r) => r.payload)).size, 'same bytes on every retry').to.equal(1);
    expect(new Set(opened.map((r) => r.headers['webhook-id'])), 'same id on every retry').to.deep.equal(new Set(['uid-1/opened:1:hook']));
    expect(hookReqs.map((r) => JSON.parse(r.payload).kind), 'resolve only after the trigger').to.deep.equal(['opened', 'opened', 'opened', 'opened', 'opened', 'resolved']);
    for (const r of hookReqs) expect(verifyStandardWebhook(r.payload, secret, { id: r.headers['webhook-id'], timestamp: r.headers['webhook-timestamp'], signature: r.headers['webhook-signature'] }, h.now).ok).to.equal(true);
    expect(h.outbox().map((e) => `${e.key}=${e.state}`)).to.deep.equal(['opened:1:hook=Delivered', 'resolved:1:hook=Delivered']);
    expect(h.outbox().every((e) => e.body === undefined && typeof e.bodyHash === 'string'), 'bodies dropped once delivered').to.equal(true);
    expect(h.status.notifications?.targets).to.deep.equal([{ name: 'hook' }]);
  });

  it('a PagerDuty trigger never attempted and its resolve are both superseded; attempted ones go in order', async () => {
    const h = harness('P1', () => ok());
    h.add('opened', 'pd');
    h.phase = 'Resolved';
    h.add('resolved', 'pd');
    await h.deliver();
    expect(h.sent).to.have.length(0);
    expect(h.outbox().map((e) => e.state)).to.deep.equal(['Superseded', 'Superseded']);
  });

  it('a permanent failure (missing Secret key) fails fast and marks the target permanently failing', async () => {
    const h = harness('P1', () => ok());
    const saved = secrets.url;
    delete secrets.url;
    try {
      h.add('opened', 'hook');
      await h.deliver();
    } finally { secrets.url = saved!; }
    const e = h.outbox()[0]!;
    expect(e).to.include({ state: 'Failed', attempts: 1 });
    expect(e.finalReason).to.equal('permanent failure: webhook target hook: Secret s or its key url (URL) not found');
    expect(h.status.notifications?.targets?.[0]).to.include({ name: 'hook', permanent: true });
  });

  it('Slack app target: the first message starts the thread, follow-ups carry thread_ts, the resolve is broadcast', async () => {
    const h = harness('P1', (req) => (req.name === 'chat' ? ok('1712345678.000100') : ok()));
    h.add('opened', 'chat');
    h.add('resolved', 'chat');
    await h.deliver();
    const [first, second] = h.sent.map((r) => JSON.parse(r.payload));
    expect(h.sent.map((r) => r.url)).to.deep.equal(['http://slack.test/api/chat.postMessage', 'http://slack.test/api/chat.postMessage']);
    expect(h.sent[0]!.headers.authorization).to.equal('Bearer xoxb-test');
    expect(first.channel).to.equal('C123');
    expect(first.thread_ts).to.equal(undefined);
    expect(second).to.include({ channel: 'C123', thread_ts: '1712345678.000100', reply_broadcast: true });
    expect(h.status.notifications?.targets).to.deep.equal([{ name: 'chat', threadTs: '1712345678.000100' }]);
  });

  it('P2 backs off beyond the P1 cap and honours a long Retry-After', async () => {
    const h = harness('P2', () => down);
    h.add('opened', 'hook');
    await h.deliver();
    const e = h.outbox()[0]!;
    expect(Date.parse(e.nextAttemptAt!) - h.now.getTime()).to.equal(60_000);
    expect(DefaultRetrySchedule.P2.capMs).to.be.greaterThan(15_000);
  });

  it('change events: one per PagerDuty service, from a completed rollback, sent to change/enqueue with the routing key', async () => {
    const inc = incident();
    const status: IncidentStatus = { remediation: { state: 'Succeeded', reason: 'RolledBack', completedAt: T0.toISOString(), message: 'rolled back records from revision 2 to revision 1' } };
    const change = completedChange(inc, status)!;
    expect(change).to.include({ action: 'rollback', target: 'records' });
    expect(completedChange(inc, status, T0.toISOString()), 'already sent').to.equal(undefined);
    const failedVerification = { remediation: { state: 'Failed', action: 'TerminateQueries', reason: 'PileUpRemains', completedAt: T0.toISOString(), message: 'terminated 1 session; still waiting', terminations: [{ result: 'Terminated' }] } } as unknown as IncidentStatus;
    expect(completedChange(inc, failedVerification)?.action, 'a termination that signalled a session is a change even if verification failed').to.equal('query-termination');
    const nothingSignalled = { remediation: { state: 'Skipped', action: 'TerminateQueries', completedAt: T0.toISOString(), terminations: [] } } as unknown as IncidentStatus;
    expect(completedChange(inc, nothingSignalled)).to.equal(undefined);
    expect(completedChange(inc, { remediation: { state: 'Failed', reason: 'RollbackFailed', completedAt: T0.toISOString() } })).to.equal(undefined);
    const entries = changeEventEntries(inc, policy, change);
    expect(entries.map((e) => e.target), 'pd and pd-2 share a routing key: one event').to.deep.equal(['pd']);
    const h = harness('P1', () => ok());
    h.add('opened', 'hook'); // unrelated target
    const s = h.status;
    s.notifications!.outbox = enqueue(s.notifications!.outbox!, entries, T0);
    await h.deliver();
    const pd = h.sent.find((r) => r.name === 'pd')!;
    expect(pd.url).to.equal('http://pd.test/v2/change/enqueue');
    const body = JSON.parse(pd.payload);
    expect(body.routing_key).to.equal('ROUTING-KEY');
    expect(body.payload.summary).to.match(/^Rollback by incident-operator: rolled back records/);
    expect(body.payload.source).to.equal('k8s:ns/deployment/records');
    expect(JSON.stringify(h.status), 'no routing key in status').to.not.include('ROUTING-KEY');
  });
});
