import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { CreationBudget } from '../../../src/decide/intake-limits.js';
import { createServer, request } from 'node:http';
import { loadConfig } from '../../../src/config.js';
import { alertmanagerRoute, applyAlertIntents, findOpenIncident } from '../../../src/escalate/alert-intake.js';
import type { FiringIncidentIntent, IncidentIntent } from '../../../src/intake/alertmanager.js';
import type { IncidentClient } from '../../../src/kube/incident-client.js';
import type { Logger } from '../../../src/log.js';

const now = new Date('2026-12-01T06:00:00.000Z');
const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;

class FakeIncidents {
  readonly store = new Map<string, Incident>();
  creates = 0;
  patches: { key: string; body: { metadata?: { annotations?: Record<string, string> } } }[] = [];
  async create(i: Incident): Promise<Incident> {
    const key = `${i.metadata.namespace}/${i.metadata.name}`;
    if (this.store.has(key)) throw Object.assign(new Error('exists'), { code: 409, body: { reason: 'AlreadyExists' } });
    this.creates++;
    this.store.set(key, i);
    return i;
  }
  async patchMetadataAndSpec(namespace: string, name: string, body: { metadata?: Record<string, unknown> }): Promise<Incident> {
    const key = `${namespace}/${name}`;
    const cur = this.store.get(key);
    if (!cur) throw Object.assign(new Error('not found'), { code: 404 });
    this.patches.push({ key, body: body });
    const annotations = { ...(cur.metadata.annotations ?? {}), ...((body.metadata?.annotations as Record<string, string>) ?? {}) };
    const next = { ...cur, metadata: { ...cur.metadata, annotations } };
    this.store.set(key, next);
    return next;
  }
  list(ns: string): Incident[] { return [...this.store.values()].filter((i) => i.metadata.namespace === ns); }
}

const firing = (name: string, target: string | undefined, dedupKey = name): FiringIncidentIntent => ({
  resolved: false, name, namespace: 'shop', severity: 'P1', summary: 's', dedupKey, startsAt: now.toISOString(), ...(target ? { target } : {}),
});

function run(fake: FakeIncidents, intents: IncidentIntent[], budget?: CreationBudget) {
  return applyAlertIntents(fake as unknown as IncidentClient, intents, {
    resolveOnAlertResolved: false, log, now: () => now, ...(budget ? { budget } : {}),
    exists: (ns, name) => fake.store.has(`${ns}/${name}`),
    openIncidentOf: (ns, d) => findOpenIncident(fake.list(ns), d),
  });
}

describe('escalate/alert-intake applyAlertIntents', () => {
  it('without a budget every distinct alert creates its Incident (the old behaviour)', async () => {
    const fake = new FakeIncidents();
    const out = await run(fake, [firing('am-a', 'api'), firing('am-b', 'api')]);
    expect(fake.creates).to.equal(2);
    expect(out).to.deep.equal({ created: 2 });
  });

  it('1,000 distinct alerts for 4 targets under a cap of 10: 10 Incidents, the rest grouped, nothing deferred', async () => {
    const fake = new FakeIncidents();
    const intents = Array.from({ length: 1000 }, (_, i) => firing(`am-${i}`, `svc-${i % 4}`));
    const out = await run(fake, intents, new CreationBudget(10));
    expect(fake.creates).to.equal(10);
    expect(out).to.deep.equal({ created: 10, grouped: 990 });
    // one grouping patch per target Incident, each counting what it took
    const grouping = fake.patches.filter((p) => p.body.metadata?.annotations?.['runbook.dev/alerts-grouped']);
    expect(grouping.map((p) => p.key).sort()).to.have.length(4);
    const total = grouping.reduce((n, p) => n + Number(p.body.metadata!.annotations!['runbook.dev/alerts-grouped']), 0);
    expect(total).to.equal(990);
  });

  it('beyond the cap with no open Incident of the target: deferred with a Retry-After', async () => {
    const fake = new FakeIncidents();
    const budget = new CreationBudget(1);
    const out = await run(fake, [firing('am-1', 'api'), firing('am-2', 'web')], budget);
    expect(fake.creates).to.equal(1);
    expect(out.deferred).to.equal(1);
    expect(out.created).to.equal(1);
    expect(out.retryAfterSeconds).to.equal(60);
  });

  it('grouping adds to the count already on the open Incident', async () => {
    const fake = new FakeIncidents();
    const budget = new CreationBudget(1);
    await run(fake, [firing('am-1', 'api')], budget);
    await run(fake, [firing('am-2', 'api'), firing('am-3', 'api')], budget);
    await run(fake, [firing('am-4', 'api')], budget);
    expect(fake.store.get('shop/am-1')?.metadata.annotations?.['runbook.dev/alerts-grouped']).to.equal('3');
    expect(fake.store.get('shop/am-1')?.metadata.annotations?.['runbook.dev/alert-last-grouped']).to.equal('am-4');
    expect(fake.creates).to.equal(1);
  });

  it('a repeat of an existing alert uses no budget (only "last seen")', async () => {
    const fake = new FakeIncidents();
    const budget = new CreationBudget(1);
    await run(fake, [firing('am-1', 'api')], budget);
    const out = await run(fake, [firing('am-1', 'api')], budget);
    expect(out).to.deep.equal({ repeated: 1 });
    expect(fake.patches.at(-1)?.body.metadata?.annotations).to.have.key('runbook.dev/alert-last-seen');
  });

  it('a create that hits AlreadyExists gives its budget back', async () => {
    const fake = new FakeIncidents();
    const budget = new CreationBudget(1);
    await fake.create({ apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'am-x', namespace: 'shop' }, spec: { severity: 'P1', summary: 's' } });
    await applyAlertIntents(fake as unknown as IncidentClient, [firing('am-x', 'api')], { resolveOnAlertResolved: false, log, now: () => now, budget });
    expect(budget.remaining(now)).to.equal(1);
  });

  it('alert-created Incidents carry no rollback policy of their own and the created-by label', async () => {
    const fake = new FakeIncidents();
    await run(fake, [firing('am-1', 'api')]);
    const inc = fake.store.get('shop/am-1')!;
    expect(inc.metadata.labels).to.deep.equal({ 'runbook.dev/created-by': 'alertmanager' });
    expect(inc.spec.rollback).to.equal(undefined);
    expect(inc.metadata.annotations?.['runbook.dev/alert-last-seen']).to.equal(now.toISOString());
  });

  it('findOpenIncident ignores resolved Incidents and other targets', () => {
    const mk = (name: string, target: string, phase?: string): Incident => ({ apiVersion: 'x', kind: 'Incident', metadata: { name, namespace: 'shop', creationTimestamp: `2026-12-01T0${name.length}:00:00Z` }, spec: { severity: 'P1', summary: 's', target: { kind: 'Deployment', name: target } }, ...(phase ? { status: { phase } } : {}) } as Incident);
    expect(findOpenIncident([mk('a', 'api', 'Resolved'), mk('bb', 'web'), mk('ccc', 'api', 'Escalated')], 'api')).to.deep.equal({ name: 'ccc', grouped: 0 });
    expect(findOpenIncident([mk('a', 'api', 'Failed')], 'api')).to.equal(undefined);
  });
});

describe('escalate/alert-intake alertmanagerRoute (counts outcomes for incident_operator_intake_alerts_total)', () => {
  it('counts created, grouped, deferred, refused namespaces and rate-limited requests', async () => {
    const fake = new FakeIncidents();
    const counts: Record<string, number> = {};
    const config = loadConfig({ WATCH_NAMESPACES: 'shop', ALERTMANAGER_INCIDENTS_PER_MINUTE: '1', ALERTMANAGER_SENDER_BURST: '4', ALERTMANAGER_SENDER_RATE_PER_MINUTE: '0' });
    const server = createServer(alertmanagerRoute(config, log, {
      incidents: fake as unknown as IncidentClient, token: () => 'route-token-fixture', now: () => now,
      cachedIncidents: { get: (ns, name) => fake.store.get(`${ns}/${name}`), list: (ns) => fake.list(ns) },
      count: (outcome, n) => { counts[outcome] = (counts[outcome] ?? 0) + n; },
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const alert = (namespace: string, deployment: string, fingerprint: string) => ({ status: 'firing', labels: { alertname: 'A', namespace, deployment }, annotations: {}, startsAt: '2026-12-01T05:00:00Z', endsAt: '', generatorURL: '', fingerprint });
    const post = (alerts: unknown[]) => new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/alertmanager', headers: { authorization: 'Bearer route-token-fixture', 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end(JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', alerts }));
    });
    try {
      expect(await post([alert('shop', 'api', 'a1'), alert('shop', 'api', 'a2'), alert('shop', 'web', 'a3')])).to.equal(429);
      expect(await post([alert('kube-system', 'dns', 'b1')])).to.equal(400);
      expect(await post([alert('elsewhere', 'x', 'c1')])).to.equal(400);
      expect(await post([alert('shop', 'api', 'a1')])).to.equal(200);
      expect(await post([alert('shop', 'api', 'd1')])).to.equal(429); // the fifth request: over the burst of 4
      expect(counts).to.deep.equal({ created: 1, grouped: 1, deferred: 1, refused_namespace: 2, repeated: 1, rate_limited: 1 });
    } finally {
      server.close();
    }
  });
});
