/**
 * Controller-level tests of the Incident reconcile's main paths with a fake clock, fake caches and fake
 * adapters: the named steps in order, intent written before the action, status written only on change,
 * every transition from decidePhase, permanent API errors not retried.
 */
import { expect } from 'chai';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import type { DiagnosisStatus, Proposal } from '../../../src/api/diagnosis.js';
import { IncidentReconciler } from '../../../src/controllers/incident-reconciler.js';
import { loadConfig } from '../../../src/config.js';
import type { KubeDeployment, KubePod, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import type { RemediationContext, RemediationStep, Remediator } from '../../../src/ports/remediation.js';
import type { TargetSnapshot } from '../../../src/ports/target.js';
import type { Diagnose } from '../../../src/ports/diagnosis.js';
import type { EvaluateSignals } from '../../../src/ports/signals.js';
import type { IncidentClient } from '../../../src/kube/incident-client.js';
import type { EventRecorder } from '../../../src/kube/event-recorder.js';
import type { Logger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { isTerminalError } from '../../../src/runtime/work-queue.js';
import { aDeployment, aPod, aReplicaSet, availableCondition, NS, DEPLOYMENT_NAME } from '../decide/rollback-fixtures.js';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);

function mapCache<T extends { metadata?: { namespace?: string; name?: string } }>(items: () => T[]): ReadCache<T> {
  return {
    get: (ns, name) => items().find((i) => i.metadata?.namespace === ns && i.metadata?.name === name),
    list: (ns) => items().filter((i) => ns === undefined || i.metadata?.namespace === ns),
  };
}

class World {
  incidents: Incident[] = [];
  deployments: KubeDeployment[] = [];
  replicaSets: KubeReplicaSet[] = [];
  pods: KubePod[] = [];
  writes: IncidentStatus[] = [];
  events: string[] = [];
  rv = 100;
  failWrite?: Error;
  /** When set, the API server's resourceVersion of the target (else: the cache's). */
  liveVersion?: string | null;
  liveReads = 0;

  caches(): Caches {
    return {
      incidents: mapCache(() => this.incidents),
      deployments: mapCache(() => this.deployments),
      replicaSets: mapCache(() => this.replicaSets),
      pods: mapCache(() => this.pods),
      namespaces: mapCache(() => []),
      policies: mapCache(() => []),
    };
  }

  client(): IncidentClient {
    const client: Pick<IncidentClient, 'replaceStatus' | 'get'> = {
      replaceStatus: async (incident, status) => {
        if (this.failWrite) throw this.failWrite;
        this.writes.push(structuredClone(status));
        const updated: Incident = { ...structuredClone(incident), status: structuredClone(status), metadata: { ...incident.metadata, resourceVersion: String(++this.rv) } };
        this.incidents = this.incidents.map((i) => (i.metadata.name === incident.metadata.name ? updated : i));
        return updated;
      },
      get: async (ns, name) => this.incidents.find((i) => i.metadata.namespace === ns && i.metadata.name === name)!,
    };
    return client as IncidentClient;
  }
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function anIncident(name = 'api-5xx'): Incident {
  return {
    metadata: { name, namespace: NS, uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: new Date(T0).toISOString() },
    spec: { severity: 'P1', summary: 'API endpoints return 5xx', runbook: 'APIOutage', target: { name: DEPLOYMENT_NAME } },
  };
}

function healthyTarget(world: World): void {
  const rs = aReplicaSet(1);
  world.deployments = [aDeployment({ revision: 1, replicas: 1, status: { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [availableCondition('True', new Date(T0).toISOString())] } })];
  world.replicaSets = [rs];
  world.pods = [aPod(rs, { ready: true })];
}

function diagnosisFor(proposal: Proposal) {
  return async (incident: Incident, target: TargetSnapshot | undefined): Promise<DiagnosisStatus> => ({
    generation: incident.metadata.generation ?? 0, completedAt: new Date(T0).toISOString(),
    summary: target?.summary ?? 'no target', checks: [{ name: 'pods', ok: true, durationMs: 0 }], proposal,
  });
}

/** A remediator that records its intent first, then succeeds (the rollback's shape). */
class IntentThenSucceed implements Remediator {
  calls: string[] = [];
  async remediate(ctx: RemediationContext): Promise<RemediationStep> {
    const current = ctx.status.remediation ?? { state: 'None' };
    this.calls.push(current.state);
    if (current.state === 'None') return { record: { state: 'Intended', action: 'Rollback', intendedAt: ctx.now.toISOString(), toRevision: 1, message: 'rolling back' }, persist: { type: 'RollbackIntended', reason: 'RollbackIntended', message: 'rolling back' } };
    return { record: { ...current, state: 'Succeeded', reason: 'RolledBack', message: 'rolled back' } };
  }
}

/** The API server's view of the target: by default what the cache holds (a cache that is up to date). */
function liveVersionOf(world: World, exists: boolean | undefined) {
  return async (_ns: string, name: string): Promise<string | null> => {
    world.liveReads++;
    const cached = world.deployments.find((d) => d.metadata?.name === name);
    if (world.liveVersion !== undefined) return world.liveVersion;
    if (cached) return cached.metadata?.resourceVersion ?? '';
    return exists ? '1' : null;
  };
}

function reconciler(world: World, clock: FakeClock, opts: { proposal?: Proposal; remediator?: Remediator; exists?: boolean; diagnose?: Diagnose } = {}) {
  const config = loadConfig({ MONITOR_WINDOW_SECONDS: '30' });
  const events: EventRecorder = { record: async (_o, type, reason) => { world.events.push(`${type}:${reason}`); } };
  return new IncidentReconciler({
    clock, config, log: silent, caches: world.caches(), incidents: world.client(), events,
    diagnose: opts.diagnose ?? diagnosisFor(opts.proposal ?? { action: 'None', reason: 'PodsHealthy', message: 'healthy' }),
    remediator: opts.remediator ?? new IntentThenSucceed(),
    targetVersion: liveVersionOf(world, opts.exists),
  });
}

/** A healthy target and a CrashLoop Incident about it (pod health is its symptom: it may resolve by itself). */
function crashLoopWorld(): { world: World; clock: FakeClock } {
  const world = new World();
  const clock = new FakeClock(T0);
  healthyTarget(world);
  const incident = anIncident();
  incident.spec.runbook = 'CrashLoop';
  world.incidents = [incident];
  return { world, clock };
}

const key = (name = 'api-5xx') => `${NS}/${name}`;
const reasons = (s: IncidentStatus | undefined) => (s?.timeline ?? []).map((t) => t.reason);

describe('controllers/incident-reconciler', () => {
  it('a healthy target: open → diagnose → monitor, then resolved after the window', async () => {
    // A crash-loop incident: pod health is its symptom (an APIOutage needs a health signal to resolve by itself).
    const { world, clock } = crashLoopWorld();
    const r = reconciler(world, clock);
    await r.reconcile(key());
    const first = world.incidents[0]!.status!;
    expect(first.phase).to.equal('Monitoring');
    expect(reasons(first)).to.deep.equal(['Opened', 'DiagnosisStarted', 'DiagnosisComplete', 'PodsHealthy']);
    expect(first.acknowledgeBy).to.equal(new Date(T0 + 15 * 60_000).toISOString());
    expect(first.remediation?.monitoringStartedAt).to.equal(new Date(T0).toISOString());
    clock.set(T0 + 31_000);
    await r.reconcile(key());
    const done = world.incidents[0]!.status!;
    expect(done.phase).to.equal('Resolved');
    expect(done.resolvedAt).to.equal(new Date(T0 + 31_000).toISOString());
    expect(done.conditions?.find((c) => c.type === 'Resolved')?.status).to.equal('True');
  });

  it('writes status only when it changed', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    world.incidents = [anIncident()];
    const r = reconciler(world, clock);
    await r.reconcile(key());
    await r.reconcile(key()); // healthySince is now recorded
    const writes = world.writes.length;
    await r.reconcile(key());
    expect(world.writes.length).to.equal(writes);
  });

  it('records the remediation intent in status before acting, then the outcome', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    world.incidents = [anIncident()];
    const remediator = new IntentThenSucceed();
    const r = reconciler(world, clock, { remediator, proposal: { action: 'Rollback', reason: 'RollbackProposed', message: 'roll back to 1', toRevision: 1 } });
    await r.reconcile(key());
    expect(remediator.calls).to.deep.equal(['None', 'Intended']);
    const states = world.writes.map((w) => w.remediation?.state);
    expect(states[0]).to.equal('Intended');
    expect(world.incidents[0]!.status!.phase).to.equal('Monitoring');
    expect(world.incidents[0]!.status!.remediation?.state).to.equal('Succeeded');
    expect(reasons(world.incidents[0]!.status)).to.include.members(['RollbackIntended', 'MonitoringStarted']);
  });

  it('a Deployment that changed under the rollback sends the incident back to diagnosis, with the old proposal dropped', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    world.incidents = [anIncident()];
    const conflict: Remediator = { remediate: async () => ({ record: { state: 'None', action: 'Rollback', reason: 'RollbackConflict', message: 'changed' } }) };
    const r = reconciler(world, clock, { remediator: conflict, proposal: { action: 'Rollback', reason: 'RollbackProposed', message: 'roll back', toRevision: 1 } });
    const result = await r.reconcile(key());
    const s = world.incidents[0]!.status!;
    expect(s.phase).to.equal('Diagnosing');
    expect(s.phaseReason).to.equal('RollbackConflict');
    expect(s.diagnosis).to.equal(undefined);
    expect(result && 'requeueAfterMs' in result ? result.requeueAfterMs : undefined).to.equal(1);
  });

  it('a missing target (confirmed by a live read) escalates as TargetNotFound', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    world.incidents = [anIncident()];
    const r = reconciler(world, clock, { exists: false, proposal: { action: 'Escalate', reason: 'TargetNotFound', message: 'not found' } });
    await r.reconcile(key());
    const s = world.incidents[0]!.status!;
    expect(s.phase).to.equal('Escalated');
    expect(s.conditions?.find((c) => c.type === 'TargetFound')?.reason).to.equal('TargetNotFound');
    expect(world.events).to.include('Warning:TargetNotFound');
  });

  it('a cache that lags behind the API server is never taken for "not found"', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    world.incidents = [anIncident()];
    const r = reconciler(world, clock, { exists: true });
    expect(await r.reconcile(key())).to.deep.equal({ requeueAfterMs: 250 });
    expect(world.writes).to.have.length(0);
  });

  describe('a diagnosis is made from a cache as new as the API server (a lagging cache pages "no known good" for a healthy target)', () => {
    const cacheVersion = (world: World, rv: string) => {
      world.deployments = world.deployments.map((d) => ({ ...d, metadata: { ...d.metadata, resourceVersion: rv } }));
    };
    function countingDiagnosis(seen: string[]): Diagnose {
      const inner = diagnosisFor({ action: 'None', reason: 'PodsHealthy', message: 'healthy' });
      return async (incident, target) => {
        seen.push(target?.deployment?.metadata?.resourceVersion ?? 'none');
        return inner(incident, target);
      };
    }
    function laggingWorld(): { world: World; clock: FakeClock; seen: string[]; r: IncidentReconciler } {
      const { world, clock } = crashLoopWorld();
      cacheVersion(world, '41');
      world.liveVersion = '42';
      const seen: string[] = [];
      return { world, clock, seen, r: reconciler(world, clock, { diagnose: countingDiagnosis(seen) }) };
    }

    it('waits while the API server has a newer target than the cache: no diagnosis, no status write', async () => {
      const { world, clock, seen, r } = laggingWorld();
      expect(await r.reconcile(key())).to.deep.equal({ requeueAfterMs: 250 });
      clock.set(T0 + 5_000);
      expect(await r.reconcile(key())).to.deep.equal({ requeueAfterMs: 250 });
      expect(seen).to.deep.equal([]);
      expect(world.writes).to.have.length(0);
      // The watch delivers the newer object: the diagnosis is made from it.
      cacheVersion(world, '42');
      await r.reconcile(key());
      expect(seen).to.deep.equal(['42']);
      const s = world.incidents[0]!.status!;
      expect(s.diagnosis?.checks.map((c) => c.name)).to.not.include('cacheFreshness');
    });

    it('a target the cache never catches up with is diagnosed after 10 s, and the diagnosis says it came from a lagging cache', async () => {
      const { world, clock, seen, r } = laggingWorld();
      await r.reconcile(key());
      clock.set(T0 + 9_999);
      expect(await r.reconcile(key())).to.deep.equal({ requeueAfterMs: 250 });
      clock.set(T0 + 10_000);
      await r.reconcile(key());
      expect(seen).to.deep.equal(['41']);
      const check = world.incidents[0]!.status!.diagnosis?.checks.find((c) => c.name === 'cacheFreshness');
      expect(check).to.deep.include({ ok: false });
      expect(check?.error).to.contain('stayed behind the API server for 10 s');
    });

    it('once diagnosed, monitoring decides from the cache: no live read per reconcile', async () => {
      const { world, clock } = crashLoopWorld();
      const r = reconciler(world, clock);
      await r.reconcile(key());
      expect(world.incidents[0]!.status!.phase).to.equal('Monitoring');
      const reads = world.liveReads;
      expect(reads).to.equal(1);
      clock.set(T0 + 10_000);
      await r.reconcile(key());
      expect(world.liveReads).to.equal(reads);
    });
  });

  it('signals: an evaluation with nothing new is not written; a verdict change is written at once; values refresh every 60 s', async () => {
    const { world, clock } = crashLoopWorld();
    let calls = 0;
    let verdict: 'Healthy' | 'Breaching' = 'Healthy';
    const evaluateSignals: EvaluateSignals = async (_i, _a, previous, now) => {
      calls++;
      const v = { name: 'error-ratio', source: 'Prometheus' as const, verdict, value: verdict === 'Healthy' ? 0.01 + calls / 1000 : 0.4, threshold: 0.05, comparison: '>' as const, consecutiveBreaches: verdict === 'Breaching' ? (previous?.verdicts[0]?.consecutiveBreaches ?? 0) + 1 : 0 };
      return { evaluatedAt: now.toISOString(), source: 'Incident', verdicts: [v], summary: `error-ratio ${v.value}`, ...(verdict === 'Healthy' ? { healthySince: previous?.healthySince ?? now.toISOString() } : {}) };
    };
    const config = loadConfig({ MONITOR_WINDOW_SECONDS: '600' });
    const events: EventRecorder = { record: async () => {} };
    const r = new IncidentReconciler({
      clock, config, log: silent, caches: world.caches(), incidents: world.client(), events, evaluateSignals,
      diagnose: diagnosisFor({ action: 'None', reason: 'PodsHealthy', message: 'healthy' }), remediator: new IntentThenSucceed(), targetVersion: liveVersionOf(world, true),
    });
    await r.reconcile(key()); // diagnosed, monitoring: signals are evaluated from the next reconcile on
    clock.set(T0 + 10_000);
    await r.reconcile(key());
    expect(world.incidents[0]!.status!.signals?.verdicts[0]?.verdict).to.equal('Healthy');
    const written = world.writes.length;
    for (const t of [20_000, 30_000, 40_000, 50_000, 60_000]) { clock.set(T0 + t); await r.reconcile(key()); }
    expect(calls, 'evaluated every 10 s').to.equal(6);
    expect(world.writes.length, 'same verdict, moving value: no status write').to.equal(written);
    clock.set(T0 + 70_000);
    await r.reconcile(key());
    expect(world.writes.length, 'refreshed after 60 s').to.equal(written + 1);
    expect(world.incidents[0]!.status!.signals?.evaluatedAt).to.equal(new Date(T0 + 70_000).toISOString());
    verdict = 'Breaching';
    clock.set(T0 + 80_000);
    await r.reconcile(key());
    expect(world.writes.length, 'a breach is written at once').to.equal(written + 2);
    expect(world.incidents[0]!.status!.signals?.verdicts[0]).to.include({ verdict: 'Breaching', consecutiveBreaches: 1 });
    expect(world.incidents[0]!.status!.conditions?.find((c) => c.type === 'SignalsHealthy')?.status).to.equal('False');
  });

  it('a person acknowledging stops the acknowledge clock', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    const incident = anIncident();
    incident.spec.acknowledgement = { acknowledgedBy: 'alice' };
    world.incidents = [incident];
    await reconciler(world, clock).reconcile(key());
    const s = world.incidents[0]!.status!;
    expect(s.acknowledgedAt).to.equal(new Date(T0).toISOString());
    expect(s.conditions?.find((c) => c.type === 'Acknowledged')?.status).to.equal('True');
  });

  it('a permanent rejection of the status write (403) is a TerminalError, not an endless retry', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    world.incidents = [anIncident()];
    world.failWrite = Object.assign(new Error('forbidden'), { code: 403, body: '{"reason":"Forbidden"}' });
    let caught: unknown;
    try { await reconciler(world, clock).reconcile(key()); } catch (e) { caught = e; }
    expect(isTerminalError(caught)).to.equal(true);
  });

  it('a transient failure (503) is retried: the error propagates as it is', async () => {
    const world = new World();
    const clock = new FakeClock(T0);
    healthyTarget(world);
    world.incidents = [anIncident()];
    world.failWrite = Object.assign(new Error('unavailable'), { code: 503 });
    let caught: unknown;
    try { await reconciler(world, clock).reconcile(key()); } catch (e) { caught = e; }
    expect(caught).to.be.instanceOf(Error);
    expect(isTerminalError(caught)).to.equal(false);
  });

  it('an Incident gone from the cache is forgotten', async () => {
    const world = new World();
    expect(await reconciler(world, new FakeClock(T0)).reconcile(key('gone'))).to.equal(undefined);
  });
});
