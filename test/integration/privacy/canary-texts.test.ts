/**
 * Privacy end to end for the operator's own texts (real API server, the operator as a process): canaries
 * planted where only I/O brings them in —
 *  - notification Secrets: a webhook URL with credentials, path and query; a URL of a receiver that answers
 *    500 with the canary in its body; an unreachable URL; a PagerDuty routing key (the Events endpoint answers
 *    500 with a canary body);
 *  - an EscalationPolicy that the API server accepts but the operator rejects (its calendar's timeZone), a
 *    tier name, and a free-text `spec.escalationPolicyRef`;
 *  - a Namespace annotation `runbook.dev/maintenance-windows` with canaries in a window's name and in
 *    malformed windows.
 * Afterwards a grep of every Incident's status, labels and annotations, the Events of both namespaces,
 * `kubectl describe` (status part), the operator's log and every notification body finds none of them.
 * Canaries are `CANARY-<random hex>`: a hit is a leak, never chance.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyYaml, createTestNamespace, deleteNamespace, getJson, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment } from '../../harness/rollout.js';
import { canary, found } from '../../harness/canaries.js';
import type { Json } from '../../harness/escalation.js';

const C = {
  urlPass: canary(), urlPath: canary(), urlQuery: canary(), answer: canary(), path500: canary(), refused: canary(),
  routingKey: canary(), tier: canary(), timeZone: canary(), ref: canary(), window: canary(), badWindow: canary(), pdAnswer: canary(),
};
const ALL = Object.values(C);

/** A receiver that answers every request with 500 and a body carrying a canary (as a misconfigured proxy would). */
async function startHostileReceiver(): Promise<{ port: number; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      const answer = req.url?.startsWith('/v2/') ? C.pdAnswer : C.answer;
      res.writeHead(500, { 'content-type': 'application/json', 'retry-after': answer }).end(JSON.stringify({ error: answer, message: `token ${answer} rejected`, echo: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, bodies, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

function withoutSpec(describe: string): string {
  return describe.replace(/^Spec:\n(?:^(?: {2,}|\t).*\n?)*/mu, '');
}

const condition = (i: Json, type: string): Json => (i.status?.conditions ?? []).find((c: Json) => c.type === type);

describe('privacy: canaries in the operator\'s own texts (delivery errors, policy, maintenance windows) stay out', function () {
  let nsNotify: string;
  let nsFreeze: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let hostile: Awaited<ReturnType<typeof startHostileReceiver>>;
  let failed = false;
  const freezeStart = new Date(Date.now() - 3_600_000).toISOString();
  const freezeEnd = new Date(Date.now() + 3 * 3_600_000).toISOString();

  before(async function () {
    this.timeout(240_000);
    nsNotify = await createTestNamespace('canary-notify');
    nsFreeze = await createTestNamespace('canary-freeze');
    receivers = await startReceivers();
    hostile = await startHostileReceiver();

    const secret = {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'notify', namespace: nsNotify }, type: 'Opaque',
      stringData: {
        'with-credentials': `http://hookuser:${C.urlPass}@127.0.0.1:${hostile.port}/hook/${C.urlPath}?token=${C.urlQuery}`,
        'answers-500': `http://127.0.0.1:${hostile.port}/hook/${C.path500}?token=${C.urlQuery}`,
        unreachable: `http://127.0.0.1:1/hook/${C.refused}`,
        'routing-key': C.routingKey,
        good: receivers.webhook.url('/hook/good'),
      },
    };
    const target = (type: string, name: string, key: string) => ({ type, name, secretRef: { name: 'notify', key } });
    const tiers = [{
      name: `On-call ${C.tier}`, level: 1, triggers: ['OnOpen'],
      targets: [target('webhook', 'with-credentials', 'with-credentials'), target('webhook', 'answers-500', 'answers-500'), target('webhook', 'unreachable', 'unreachable'), target('pagerduty', 'pager', 'routing-key'), target('webhook', 'good', 'good')],
    }];
    const policy = (name: string, namespace: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'runbook.dev/v1alpha1', kind: 'EscalationPolicy', metadata: { name, namespace }, spec: { tiers, notifyOnPhaseChange: false, ...extra } });
    await applyYaml(JSON.stringify(secret));
    await applyYaml(JSON.stringify(policy('default', nsNotify)));
    // Accepted by the API server (the pattern allows it), rejected by the operator: no such IANA zone.
    await applyYaml(JSON.stringify(policy('bad-zone', nsNotify, {
      severityRules: [{ severity: 'P2', tierOnOpen: 1, businessHoursOnly: true }],
      calendar: { timeZone: C.timeZone, days: ['Mon'], start: '09:00', end: '17:00' },
    })));
    await kubectl(['annotate', 'namespace', nsFreeze, '--overwrite', `runbook.dev/maintenance-windows=${JSON.stringify([
      { name: `patient ${C.window} freeze`, start: freezeStart, end: freezeEnd },
      { name: C.badWindow, timeZone: C.badWindow, days: ['Mon'], from: '09:00', to: '10:00' },
      C.badWindow,
    ])}`]);

    // Pods that never become ready keep the Incidents open (no need to wait for the crash loop itself).
    for (const ns of [nsNotify, nsFreeze]) await applyDeployment({ name: 'api', namespace: ns, image: 'example.test/api:2', replicas: 1, crashLoop: true });

    op = startOperatorProcess({
      namespaces: [nsNotify, nsFreeze],
      env: { PAGERDUTY_EVENTS_URL: `http://127.0.0.1:${hostile.port}/v2/enqueue`, NOTIFY_RETRY_CAP_MS_P1: '2000', NOTIFY_RETRY_CAP_MS_P2: '2000', NOTIFY_FALLBACK_SECONDS: '5', NOTIFY_ATTEMPT_TIMEOUT_MS: '5000' },
    });
    await op.waitForLog(/leading: workers started/, 60_000);

    const incident = (name: string, namespace: string, spec: Record<string, unknown>) => applyYaml(JSON.stringify({
      apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name, namespace },
      spec: { severity: 'P2', runbook: 'APIOutage', target: { name: 'api' }, rollback: { policy: 'Disabled' }, summary: 'api failing', ...spec },
    }));
    await incident('bad-zone', nsNotify, { escalationPolicyRef: { name: 'bad-zone' } });
    await incident('free-text-ref', nsNotify, { escalationPolicyRef: { name: `patient ${C.ref}` } });
    await incident('frozen', nsFreeze, {});
  });

  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async function () {
    this.timeout(120_000);
    await stopOperators([op], failed);
    await receivers?.close();
    await hostile?.close();
    for (const ns of [nsNotify, nsFreeze]) if (ns) await deleteNamespace(ns);
  });

  it('the canaries are really planted (guards against a vacuous grep)', async () => {
    const planted = JSON.stringify(await getJson(['get', 'secret', 'notify', '-n', nsNotify, '-o', 'json'])) +
      JSON.stringify(await getJson(['get', 'escalationpolicies', '-n', nsNotify])) + JSON.stringify(await getJson(['get', 'namespace', nsFreeze])) +
      JSON.stringify(await getJson(['get', 'incidents', '-n', nsNotify]));
    const decoded = planted.replace(/"([A-Za-z0-9+/=]{16,})"/gu, (_m, b: string) => `"${Buffer.from(b, 'base64').toString('utf8')}"`);
    for (const c of [C.urlPass, C.urlPath, C.urlQuery, C.path500, C.refused, C.routingKey, C.tier, C.timeZone, C.ref, C.window, C.badWindow]) expect(found(decoded, [c]), c).to.deep.equal([c]);
  });

  it('status, Events, describe, the operator log and notification bodies hold none of them', async function () {
    this.timeout(180_000);
    const get = (ns: string, name: string) => getJson<Json>(['get', 'incident', name, '-n', ns]);
    const outbox = (i: Json): Json[] => i.status?.notifications?.outbox ?? [];
    const attempted = (i: Json, target: string) => outbox(i).some((e: Json) => e.target === target && e.attempts >= 1 && e.lastError);
    const badZone = await waitFor('bad-zone: policy rejected, every failing target attempted', async () => {
      const i = await get(nsNotify, 'bad-zone');
      return condition(i, 'EscalationPolicyValid')?.status === 'False' && ['with-credentials', 'answers-500', 'unreachable', 'pager'].every((t) => attempted(i, t)) ? i : undefined;
    }, 120_000, 1000);
    const freeText = await waitFor('free-text-ref: reference not found', async () => {
      const i = await get(nsNotify, 'free-text-ref');
      return condition(i, 'EscalationPolicyValid')?.status === 'False' ? i : undefined;
    }, 90_000, 1000);
    const frozen = await waitFor('frozen: maintenance window active', async () => {
      const i = await get(nsFreeze, 'frozen');
      return condition(i, 'MaintenanceWindow')?.status === 'True' ? i : undefined;
    }, 90_000, 1000);
    await waitFor('the good webhook got the notifications', () => receivers.webhook.successful().length >= 2, 60_000, 500);
    await waitFor('the hostile receiver answered both webhook and PagerDuty', () => hostile.bodies.some((b) => b.includes('routing_key')) && hostile.bodies.some((b) => !b.includes('routing_key')), 60_000, 500);

    // Still useful: each text says what went wrong.
    const lastError = (t: string) => String(outbox(badZone).find((e: Json) => e.target === t)?.lastError);
    expect(lastError('answers-500')).to.equal('webhook target answers-500: HTTP 500');
    expect(lastError('pager')).to.equal('pagerduty target pager: HTTP 500');
    expect(lastError('unreachable')).to.match(/^webhook target unreachable: connection error/u);
    expect(lastError('with-credentials')).to.match(/^webhook target with-credentials: /u);
    expect(condition(badZone, 'EscalationPolicyValid').message).to.include('EscalationPolicy bad-zone is invalid: calendar: timeZone is not a known IANA time zone');
    expect(condition(freeText, 'EscalationPolicyValid').message).to.include('not an object name').and.include('not found');
    expect(condition(frozen, 'MaintenanceWindow').message).to.include(new Date(freezeStart).toISOString());

    const annotations = (i: Json) => Object.fromEntries(Object.entries(i.metadata.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'));
    const surfaces: Record<string, string> = { 'operator log': op.output() };
    for (const ns of [nsNotify, nsFreeze]) {
      const incidents = await getJson<Json>(['get', 'incidents', '-n', ns]);
      surfaces[`Incident status, labels and annotations (${ns})`] = JSON.stringify(incidents.items.map((i: Json) => ({ name: i.metadata.name, labels: i.metadata.labels, annotations: annotations(i), status: i.status })));
      surfaces[`Events (${ns})`] = JSON.stringify(await getJson(['get', 'events', '-n', ns]));
      surfaces[`kubectl describe, status part (${ns})`] = (await Promise.all(incidents.items.map(async (i: Json) => withoutSpec((await kubectl(['describe', 'incident', i.metadata.name, '-n', ns])).stdout)))).join('\n');
    }
    surfaces['good webhook bodies'] = receivers.webhook.requests.map((r) => r.rawBody).join('\n');
    surfaces['hostile receiver bodies (the routing key is its own)'] = hostile.bodies.join('\n').split(C.routingKey).join('<the routing key>');
    for (const [surface, text] of Object.entries(surfaces)) expect(text.length, `${surface} is not empty`).to.be.greaterThan(2);
    const leaks = Object.entries(surfaces).flatMap(([surface, text]) => found(text, ALL).map((c) => `${c} in ${surface}`));
    expect(leaks).to.deep.equal([]);
  });
});
