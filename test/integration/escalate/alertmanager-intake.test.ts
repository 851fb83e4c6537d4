/**
 * Escalate, Alertmanager intake: POST /alertmanager on the operator's intake port (ALERTMANAGER_PORT; bearer token from the file
 * named by ALERTMANAGER_TOKEN_FILE). A firing version-4 alert opens an Incident (severity critical → P0, the
 * `deployment` label as target) that the operator then escalates; the same alert again opens nothing new
 * (dedup by fingerprint); the resolved alert resolves the Incident (ALERTMANAGER_RESOLVES_INCIDENTS=true).
 * Missing/wrong token → 401, malformed → 400 with a reason, oversized → 413, and none of these creates anything.
 */
import { expect } from 'chai';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment, listIncidents, sleep, waitForCrashLoop, waitForIncidentPhase } from '../../harness/rollout.js';
import {
  applyEscalationSetup, escalationSetup, getIncidentJson, pagerDutyEvents, type Json, type PolicySetup,
  tearDownEscalationSuite,
} from '../../harness/escalation.js';
import { incidentNameFor } from '../../../src/intake/alertmanager.js';
import { listenerPort } from '../../harness/listeners.js';

interface HttpResult { status: number; body: Json; raw: string }

/** POST with node:http (a response sent before the whole body was read still counts). */
function post(port: number, body: string | Buffer, headers: Record<string, string>, opts: { chunked?: boolean } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request({
      host: '127.0.0.1', port, path: '/alertmanager', method: 'POST',
      headers: { ...headers, ...(opts.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(payload.length) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: Json;
        try { parsed = JSON.parse(raw); } catch { parsed = undefined; }
        resolve({ status: res.statusCode ?? 0, body: parsed, raw });
      });
    });
    let answered = false;
    req.on('response', () => { answered = true; });
    req.on('error', (e) => { if (!answered) reject(e); });
    if (opts.chunked) {
      for (let i = 0; i < payload.length; i += 16 * 1024) req.write(payload.subarray(i, i + 16 * 1024));
      req.end();
    } else {
      req.end(payload);
    }
  });
}

describe('escalate: Alertmanager intake (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let setup: PolicySetup;
  let port: number;
  let tokenDir: string;
  const token = `am-${randomBytes(16).toString('hex')}`;
  const deployment = 'api';
  const fingerprint = 'c0ffee12345678ab';
  let incidentName: string;

  const auth = (t = token) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
  const alert = (over: Json = {}) => ({
    status: 'firing',
    labels: { alertname: 'ApiDown', namespace: ns, deployment, severity: 'critical' },
    annotations: { summary: 'api is down: every request fails' },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.test/graph?g0.expr=up',
    fingerprint,
    ...over,
  });
  const payload = (alerts: Json[], status = 'firing') => ({
    version: '4', groupKey: '{}:{alertname="ApiDown"}', truncatedAlerts: 0, status, receiver: 'incident-operator',
    groupLabels: { alertname: 'ApiDown' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.test', alerts,
  });

  before(async () => {
    ns = await createTestNamespace('esc-am');
    tokenDir = mkdtempSync(join(tmpdir(), 'incop-am-'));
    writeFileSync(join(tokenDir, 'token'), `${token}\n`, { mode: 0o600 });
    receivers = await startReceivers();
    setup = escalationSetup(ns, receivers, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['pagerduty'] }] });
    await applyEscalationSetup(setup);
    await applyDeployment({ name: deployment, namespace: ns, image: 'example.test/api:1.0.0', replicas: 2, crashLoop: true });
    await waitForCrashLoop(ns, deployment, { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({
      namespaces: [ns],
      env: {
        ALERTMANAGER_TOKEN_FILE: join(tokenDir, 'token'),
        ALERTMANAGER_HOST: '127.0.0.1',
        ALERTMANAGER_PORT: '0',
        ALERTMANAGER_RESOLVES_INCIDENTS: 'true',
        PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue'),
      },
    });
    port = await listenerPort(op, 'alertmanager');
    await op.waitForLog(/leading: workers started/, 60_000);
    incidentName = incidentNameFor(fingerprint, 'ApiDown');
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
    await tearDownEscalationSuite({ ops: [op], receivers, ns, failed });
  });

  it('no token or a wrong token: 401, nothing created', async () => {
    const body = JSON.stringify(payload([alert()]));
    const cases: [string, Record<string, string>][] = [
      ['no Authorization header', { 'content-type': 'application/json' }],
      ['wrong token', auth(`${token}x`)],
      ['token of another scheme', { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, 'content-type': 'application/json' }],
    ];
    for (const [what, headers] of cases) {
      const r = await post(port, body, headers);
      expect(r.status, what).to.equal(401);
      expect(r.body, what).to.deep.equal({ error: 'unauthorized' });
    }
    await sleep(1000);
    expect(await listIncidents(ns)).to.deep.equal([]);
  });

  it('malformed payloads: 400 with a reason, nothing created', async () => {
    const cases: [string, string, string][] = [
      ['not JSON', '{"version": "4", ', 'body: invalid JSON'],
      ['wrong version', JSON.stringify({ ...payload([alert()]), version: '3' }), 'version: must be "4"'],
      ['alerts not a list', JSON.stringify({ ...payload([]), alerts: { a: 1 } }), 'alerts: must be an array'],
      ['alert without startsAt', JSON.stringify(payload([{ ...alert(), startsAt: undefined }])), 'alerts[0].startsAt: required'],
      ['label value not a string', JSON.stringify(payload([alert({ labels: { alertname: 'ApiDown', namespace: ns, deployment, severity: 5 } })])), 'alerts[0].labels.severity: must be a string'],
      ['resolved alert without endsAt', JSON.stringify(payload([alert({ status: 'resolved', endsAt: '' })], 'resolved')), 'alerts[0].endsAt: must be an RFC 3339 timestamp for a resolved alert'],
    ];
    for (const [what, body, reason] of cases) {
      const r = await post(port, body, auth());
      expect(r.status, what).to.equal(400);
      expect(r.body, what).to.deep.equal({ error: reason });
      expect(r.raw, `${what}: the reason does not echo values`).to.not.include(ns);
    }
    await sleep(1000);
    expect(await listIncidents(ns)).to.deep.equal([]);
  });

  it('oversized body (> 256 KiB): 413, with or without Content-Length, nothing created', async () => {
    const big = JSON.stringify(payload([alert({ annotations: { summary: 'x', description: 'y'.repeat(300 * 1024) } })]));
    expect(Buffer.byteLength(big)).to.be.greaterThan(256 * 1024);
    const declared = await post(port, big, auth());
    expect(declared.status).to.equal(413);
    expect(declared.body).to.deep.equal({ error: 'payload too large' });
    const chunked = await post(port, big, auth(), { chunked: true });
    expect(chunked.status).to.equal(413);
    // Just under the limit is read and parsed (the limit is the documented one, not something smaller); this
    // alert has no deployment label, so it opens nothing.
    const small = JSON.stringify(payload([alert({ labels: { alertname: 'Probe', namespace: ns, severity: 'info' }, fingerprint: 'aaaa0001', annotations: { description: 'z'.repeat(200 * 1024) } })]));
    expect(Buffer.byteLength(small)).to.be.within(200 * 1024, 256 * 1024);
    const ok = await post(port, small, auth());
    expect(ok.status, ok.raw).to.equal(200);
    await sleep(1000);
    expect(await listIncidents(ns)).to.deep.equal([]);
  });

  it('a firing alert opens a P0 Incident for the deployment, which the operator escalates', async () => {
    const r = await post(port, JSON.stringify(payload([alert()])), auth());
    expect(r.status, r.raw).to.equal(200);
    expect(r.body).to.deep.equal({ accepted: 1 });
    const items = await listIncidents(ns);
    expect(items.map((i: Json) => i.metadata.name)).to.deep.equal([incidentName]);
    const inc = items[0];
    expect(inc.spec).to.include({ severity: 'P0', summary: 'api is down: every request fails', runbook: 'APIOutage' });
    expect(inc.spec.target).to.deep.include({ name: deployment });
    expect(inc.metadata.labels['runbook.dev/created-by']).to.equal('alertmanager');
    expect(inc.metadata.annotations['runbook.dev/alert-fingerprint']).to.equal(fingerprint);

    const escalated = await waitForIncidentPhase(ns, incidentName, 'Escalated', 60_000);
    expect(escalated.status.escalation.tier).to.equal(1);
    const trigger = await waitFor('PagerDuty trigger for the P0', () => pagerDutyEvents(receivers, { action: 'trigger', successfulOnly: true })[0], 30_000, 200);
    expect(trigger.body.dedup_key).to.equal(escalated.metadata.uid);
    expect(trigger.body.payload.severity).to.equal('critical');
  });

  it('the same alert again opens no second Incident (dedup by fingerprint)', async () => {
    const before = await getIncidentJson(ns, incidentName);
    const lastSeen = Date.parse(before.metadata.annotations['runbook.dev/alert-last-seen']);
    await sleep(50);
    const r = await post(port, JSON.stringify(payload([alert()])), auth());
    expect(r.status, r.raw).to.equal(200);
    const items = await listIncidents(ns);
    expect(items.map((i: Json) => i.metadata.name)).to.deep.equal([incidentName]);
    expect(items[0].metadata.uid).to.equal(before.metadata.uid);
    expect(Date.parse(items[0].metadata.annotations['runbook.dev/alert-last-seen'])).to.be.greaterThan(lastSeen);
    await sleep(1500);
    expect(pagerDutyEvents(receivers, { action: 'trigger' }), 'no second page').to.have.length(1);
  });

  it('the resolved alert resolves the Incident (ALERTMANAGER_RESOLVES_INCIDENTS=true)', async () => {
    const endsAt = new Date().toISOString();
    const r = await post(port, JSON.stringify(payload([alert({ status: 'resolved', endsAt })], 'resolved')), auth());
    expect(r.status, r.raw).to.equal(200);
    const resolved = await waitForIncidentPhase(ns, incidentName, 'Resolved', 30_000);
    expect(resolved.spec.resolution).to.include({ resolvedBy: 'alertmanager', note: 'alert resolved in Alertmanager' });
    expect(resolved.metadata.annotations['runbook.dev/alert-resolved-at']).to.equal(endsAt);
    expect(resolved.status.phaseReason).to.equal('ResolvedByPerson');
    const resolveEvent = await waitFor('PagerDuty resolve', () => pagerDutyEvents(receivers, { action: 'resolve', successfulOnly: true })[0], 30_000, 200);
    expect(resolveEvent.body.dedup_key).to.equal(resolved.metadata.uid);
    expect(await listIncidents(ns)).to.have.length(1);
  });
});
