/**
 * The Alertmanager intake on its own port, scoped and limited (operator process under its ServiceAccount):
 * alerts for kube-system or an unwatched namespace are refused (400) and create nothing there; an alert for an
 * opted-in Deployment opens an Incident that acts, one for a Deployment without the label opens an Incident that
 * only diagnoses and escalates (revision unchanged); a burst of 1,000 distinct alerts creates at most the cap of
 * Incidents, the rest answered 429 (Retry-After) or grouped into an open Incident, and the operator keeps serving.
 */
import { expect } from 'chai';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, kubectl } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { deleteLease, httpGet } from '../../harness/operator-observe.js';
import { ALL_LISTENERS_ENV, listenerAddress, listenerPort } from '../../harness/listeners.js';
import { listIncidents, sleep, waitForIncidentPhase, type Json } from '../../harness/rollout.js';
import { OPT_IN_REMEDIATION, provenThenBroken, revisionAndImage, type BrokenTarget } from '../../harness/consent-fixtures.js';
import { incidentNameFor } from '../../../src/intake/alertmanager.js';

interface Reply { status: number; retryAfter?: string; body: Json }

function post(port: number, token: string, payload: unknown): Promise<Reply> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/alertmanager', method: 'POST', agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: Json;
        try { parsed = JSON.parse(raw); } catch { parsed = raw; }
        resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}), body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const alert = (namespace: string, deployment: string, fingerprint: string) => ({
  status: 'firing', labels: { alertname: 'ApiDown', namespace, deployment, severity: 'error' }, annotations: { summary: 'api down' },
  startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint,
});
const payload = (alerts: unknown[]) => ({
  version: '4', groupKey: '{}:{alertname="ApiDown"}', truncatedAlerts: 0, status: 'firing', receiver: 'incident-operator',
  groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.test', alerts,
});
const hex = (n: number) => randomBytes(n).toString('hex');
const CAP = 4;

describe('security: Alertmanager intake scope and limits (operator process)', function () {
  let ns: string;
  let unwatched: string;
  let tokenDir: string;
  const token = `am-${hex(16)}`;
  let op: OperatorProcess | undefined;
  let failed = false;
  const t: Record<string, BrokenTarget> = {};
  const lease = () => `${ns}-am-scope`;
  let port: number;

  before(async () => {
    try {
      ns = await createTestNamespace('sec-am');
      unwatched = await createTestNamespace('sec-am-unwatched');
      tokenDir = mkdtempSync(join(tmpdir(), 'incop-am-scope-'));
      writeFileSync(join(tokenDir, 'token'), `${token}\n`, { mode: 0o600 });
      op = startOperatorProcess({
        // kube-system is watched on purpose: protected namespaces are refused even when watched.
        namespaces: [ns, 'kube-system'], leaseName: lease(),
        env: { ...ALL_LISTENERS_ENV, ALERTMANAGER_TOKEN_FILE: join(tokenDir, 'token'), ALERTMANAGER_INCIDENTS_PER_MINUTE: String(CAP) },
      });
      port = await listenerPort(op, 'alertmanager');
      await op.waitForLog(/leading: workers started/);
      t.optedIn = await provenThenBroken(ns, 'am-opted-in', OPT_IN_REMEDIATION);
      t.unlabeled = await provenThenBroken(ns, 'am-unlabeled', {}, { recorded: false });
    } catch (e) { failed = true; throw e; }
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed);
    if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
    if (ns) { await deleteLease(lease()); await deleteNamespace(ns); }
    if (unwatched) await deleteNamespace(unwatched);
  });

  it('listens on three separate ports: /alertmanager only on the intake port, /metrics only on the metrics port', async () => {
    const probes = await listenerAddress(op!, 'probes');
    const metrics = await listenerAddress(op!, 'metrics');
    const intake = await listenerAddress(op!, 'alertmanager');
    expect(new Set([probes, metrics, intake]).size).to.equal(3);
    expect((await httpGet(`http://${probes}/healthz`)).status).to.equal(200);
    expect((await httpGet(`http://${probes}/metrics`)).status).to.equal(404);
    expect((await httpGet(`http://${metrics}/metrics`)).status).to.equal(200);
    expect((await httpGet(`http://${metrics}/alertmanager`)).status).to.equal(404);
    expect((await httpGet(`http://${intake}/metrics`)).status).to.equal(404);
  });

  it('an alert for kube-system is refused (400) even though it is watched, and creates nothing there', async () => {
    const fp = hex(8);
    const r = await post(port, token, payload([alert('kube-system', 'coredns', fp)]));
    expect(r).to.deep.include({ status: 400, body: { error: 'alerts[0].labels.namespace: protected namespace' } });
    await sleep(500);
    const inKubeSystem = await kubectl(['get', 'incidents.runbook.dev', '-n', 'kube-system', '-o', 'name']);
    expect(inKubeSystem.stdout).to.not.include(incidentNameFor(fp));
  });

  it('an alert for an unwatched namespace is refused (400), also when mixed with a valid one', async () => {
    const r = await post(port, token, payload([alert(ns, t.unlabeled!.name, hex(8)), alert(unwatched, 'api', hex(8))]));
    expect(r).to.deep.include({ status: 400, body: { error: 'alerts[1].labels.namespace: namespace not watched by this operator' } });
    await sleep(500);
    expect(await listIncidents(unwatched)).to.deep.equal([]);
    expect(await listIncidents(ns), 'the whole payload is refused').to.deep.equal([]);
  });

  it('an alert for an opted-in Deployment opens an Incident that rolls it back', async () => {
    const fp = hex(8);
    const r = await post(port, token, payload([alert(ns, t.optedIn!.name, fp)]));
    expect(r).to.deep.include({ status: 200, body: { accepted: 1 } });
    const inc = await waitForIncidentPhase(ns, incidentNameFor(fp), ['Monitoring', 'Resolved'], 60_000);
    expect(inc.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    expect((await revisionAndImage(ns, t.optedIn!.name)).revision).to.equal(3);
  });

  it('an alert for a Deployment without the label opens an Incident that escalates and never patches', async () => {
    const fp = hex(8);
    const r = await post(port, token, payload([alert(ns, t.unlabeled!.name, fp)]));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const inc: Json = await waitForIncidentPhase(ns, incidentNameFor(fp), 'Escalated', 60_000);
    expect(inc.status.remediation.reason).to.equal('RemediationNotPermitted');
    await sleep(1500);
    const after = await revisionAndImage(ns, t.unlabeled!.name);
    expect([after.revision, after.image]).to.deep.equal([2, t.unlabeled!.bad]);
  });

  it('a burst of 1,000 distinct alerts: at most the cap of Incidents, the rest 429 or grouped, the operator keeps serving', async function () {
    this.timeout(150_000);
    const count = async () => (await listIncidents(ns, 'runbook.dev/created-by=alertmanager')).length;
    const before = await count();
    const targets = [t.optedIn!.name, t.unlabeled!.name, 'not-deployed-1', 'not-deployed-2'];
    // 1. 1,000 requests of one alert each, 50 at a time, from one sender.
    const replies: Reply[] = [];
    const t0 = Date.now();
    for (let batch = 0; batch < 20; batch++) {
      replies.push(...await Promise.all(Array.from({ length: 50 }, (_, i) => post(port, token, payload([alert(ns, targets[(batch * 50 + i) % targets.length]!, hex(8))])))));
    }
    const ms = Date.now() - t0;
    const statuses: Record<number, number> = {};
    for (const r of replies) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const limited = replies.filter((r) => r.status === 429);
    const rateLimited = limited.filter((r) => r.body?.error === 'rate limited').length;
    const deferred = limited.length - rateLimited;
    const grouped = replies.filter((r) => r.status === 200 && r.body.grouped === 1).length;
    const created = (await count()) - before;
    console.log(`      1,000 requests in ${ms} ms: ${JSON.stringify(statuses)}; created ${created}, grouped ${grouped}, 429 rate-limited ${rateLimited}, 429 deferred ${deferred}`);
    expect(Object.keys(statuses).every((s) => s === '200' || s === '429'), JSON.stringify(statuses)).to.equal(true);
    expect(limited.every((r) => Number(r.retryAfter) >= 1), 'every 429 carries Retry-After').to.equal(true);
    expect(rateLimited, 'the sender is rate limited').to.be.above(0);
    expect(created, `at most the cap (${CAP} per minute)`).to.be.at.most(CAP);
    expect(created + grouped + limited.length).to.equal(1000);

    // 2. One payload of 800 distinct alerts (as many as fit the 256 KiB body limit), after the sender's Retry-After.
    await sleep(Math.max(...limited.filter((r) => r.body?.error === 'rate limited').map((r) => Number(r.retryAfter)), 1) * 1000);
    const beforeBig = await count();
    const big = await post(port, token, payload(Array.from({ length: 800 }, (_, i) => alert(ns, targets[i % 2]!, hex(8)))));
    const createdBig = (await count()) - beforeBig;
    console.log(`      one payload of 800 alerts: ${big.status} ${JSON.stringify(big.body)}; created ${createdBig}`);
    expect(big.status, JSON.stringify(big.body)).to.be.oneOf([200, 429]);
    expect(createdBig + created, 'still at most the cap').to.be.at.most(CAP);
    expect(createdBig + (big.body.grouped ?? 0) + (big.body.deferred ?? 0)).to.equal(800);
    expect(big.body.grouped, 'grouped into the open Incidents of the two targets').to.be.above(0);

    const metrics = (await httpGet(`http://${await listenerAddress(op!, 'metrics')}/metrics`)).body;
    const sample = (outcome: string) => Number(new RegExp(`^incident_operator_intake_alerts_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(sample('rate_limited'), 'incident_operator_intake_alerts_total{outcome="rate_limited"}').to.be.at.least(rateLimited);
    expect(sample('grouped')).to.be.at.least(grouped + (big.body.grouped ?? 0));
    expect(sample('refused_namespace')).to.be.at.least(2);
    expect(op!.exited(), 'the operator is still running').to.equal(false);
    expect((await httpGet(`http://${await listenerAddress(op!, 'probes')}/healthz`)).status).to.equal(200);
  });
});
