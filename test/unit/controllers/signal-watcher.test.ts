/**
 * The signal watcher with a fake clock, fake caches and a scripted evaluator: it evaluates at most once per
 * interval, counts breach streaks, opens exactly one Incident (deterministic name, spec.signals copied, breach
 * origin recorded) at the N-th breaching evaluation after a rollout, never on Unknown, and vetoes "known good"
 * until the current revision has passed N healthy evaluations.
 */
import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import type { SignalSpec, SignalVerdict } from '../../../src/api/signals.js';
import { loadConfig } from '../../../src/config.js';
import { SignalWatcher } from '../../../src/controllers/signal-watcher.js';
import { SIGNALS_ANNOTATION, verdictOf, type Observation } from '../../../src/decide/health-signals.js';
import type { KubeDeployment, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import type { IncidentClient } from '../../../src/kube/incident-client.js';
import type { Logger } from '../../../src/log.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { aDeployment, aReplicaSet, aTemplate, DEPLOYMENT_NAME, NS } from '../decide/rollback-fixtures.js';

const ERR: SignalSpec = { name: 'error-ratio', prometheus: { query: 'q' }, breachWhen: { comparison: '>', threshold: 0.05 } };
const T0 = Date.UTC(2026, 11, 1, 6, 0, 0);
const KEY = `${NS}/${DEPLOYMENT_NAME}`;

function mapCache<T extends { metadata?: { namespace?: string; name?: string } }>(items: () => T[]): ReadCache<T> {
  return { get: (ns, name) => items().find((i) => i.metadata?.name === name && (ns === undefined || i.metadata?.namespace === ns)), list: (ns) => items().filter((i) => ns === undefined || i.metadata?.namespace === ns) };
}
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function world(opts: { optIn?: boolean; atRollout?: SignalVerdict['verdict'] } = {}) {
  const clock = new FakeClock(T0);
  const deployment: KubeDeployment = aDeployment({ revision: 2, labels: opts.optIn === false ? {} : { 'runbook.dev/auto-rollback': 'enabled' }, annotations: { [SIGNALS_ANNOTATION]: JSON.stringify([ERR]) } });
  const replicaSets: KubeReplicaSet[] = [
    aReplicaSet(1, aTemplate({ image: 'img:1' }), { deployment, createdAt: new Date(T0 - 3_600_000).toISOString() }),
    aReplicaSet(2, aTemplate({ image: 'img:2' }), { deployment, createdAt: new Date(T0 - 5_000).toISOString() }),
  ];
  const incidents: Incident[] = [];
  let next: Observation = { ok: true, value: 0 };
  const evaluations: number[] = [];
  const caches: Caches = {
    incidents: mapCache(() => incidents), deployments: mapCache(() => [deployment]),
    replicaSets: { ...mapCache(() => replicaSets), byOwner: () => replicaSets }, pods: mapCache(() => []), namespaces: mapCache(() => []), policies: mapCache(() => []),
  };
  const client = { create: async (i: Incident) => { incidents.push(structuredClone(i)); return i; } } as unknown as IncidentClient;
  const watcher = new SignalWatcher({
    caches, incidents: client, clock, log: quiet,
    config: loadConfig({ SIGNAL_INTERVAL_MS: '1000', SIGNAL_CONSECUTIVE_BREACHES: '3' }),
    evaluator: {
      evaluate: async (signals, previous) => { evaluations.push(clock.now().getTime()); const prev = new Map((previous ?? []).map((v) => [v.name, v])); return signals.map((s) => verdictOf(s, next, prev.get(s.name))); },
      verdictsAt: async () => ({ 'error-ratio': opts.atRollout ?? 'Healthy' }),
    },
  });
  return {
    clock, incidents, evaluations, watcher,
    set: (o: Observation) => { next = o; },
    async tick(n = 1) { for (let i = 0; i < n; i++) { await watcher.reconcile(KEY); clock.advance(1000); } },
  };
}

describe('controllers/signal-watcher', () => {
  it('opens one Incident at the N-th consecutive breaching evaluation, with the signals and the origin', async () => {
    const w = world();
    w.set({ ok: true, value: 0.4 });
    await w.tick(2);
    expect(w.incidents).to.have.length(0);
    await w.tick(1);
    expect(w.incidents).to.have.length(1);
    const inc = w.incidents[0]!;
    expect(inc.metadata.name).to.equal(`signal-${DEPLOYMENT_NAME}-r2`);
    expect(inc.metadata.labels).to.deep.include({ 'runbook.dev/created-by': 'signal-watcher', 'runbook.dev/deployment': DEPLOYMENT_NAME });
    expect(inc.metadata.annotations).to.deep.equal({ 'runbook.dev/signal-breach-origin': 'AfterRollout' });
    expect(inc.spec).to.deep.include({ runbook: 'APIOutage', severity: 'P1', rollback: { policy: 'Automatic' }, signals: [ERR] });
  });

  it('evaluates at most once per interval however often the Deployment changes', async () => {
    const w = world();
    for (let i = 0; i < 5; i++) await w.watcher.reconcile(KEY);
    expect(w.evaluations).to.have.length(1);
    const r = await w.watcher.reconcile(KEY);
    expect(r).to.deep.equal({ requeueAfterMs: 1000 });
  });

  it('Unknown never opens an Incident, however long', async () => {
    const w = world();
    w.set({ ok: false, reason: 'Unreachable', detail: 'ECONNREFUSED' });
    await w.tick(10);
    expect(w.incidents).to.deep.equal([]);
  });

  it('a breach already there at the rollout opens an escalating Incident (origin BeforeRollout)', async () => {
    const w = world({ atRollout: 'Breaching' });
    w.set({ ok: true, value: 0.4 });
    await w.tick(3);
    expect(w.incidents[0]?.metadata.annotations?.['runbook.dev/signal-breach-origin']).to.equal('BeforeRollout');
    expect(w.incidents[0]?.spec.description).to.match(/not the release's fault, no rollback/);
  });

  it('not opted in: no evaluation, no Incident, and no say in "known good"', async () => {
    const w = world({ optIn: false });
    w.set({ ok: true, value: 0.4 });
    await w.tick(5);
    expect([w.evaluations.length, w.incidents.length]).to.deep.equal([0, 0]);
    expect(w.watcher.signalsHealthy(NS, DEPLOYMENT_NAME)).to.equal(undefined);
  });

  it('vetoes "known good" until the revision passed N healthy evaluations; a breach vetoes again', async () => {
    const w = world();
    const healthy = () => w.watcher.signalsHealthy(NS, DEPLOYMENT_NAME);
    expect(healthy(), 'not evaluated yet').to.equal(false);
    await w.tick(2);
    expect(healthy()).to.equal(false);
    await w.tick(1);
    expect(healthy()).to.equal(true);
    w.set({ ok: true, value: 0.4 });
    await w.tick(1);
    expect(healthy()).to.equal(false);
  });
});
