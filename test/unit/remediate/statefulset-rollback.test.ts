import { expect } from 'chai';
import { Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import type { RemediationStatus } from '../../../src/api/remediation.js';
import type { BlastRadiusDecision } from '../../../src/decide/blast-radius.js';
import type { KubeStatefulSet } from '../../../src/decide/statefulset-rollback.js';
import type { RemediationContext } from '../../../src/ports/remediation.js';
import { StatefulSetRollback } from '../../../src/remediate/statefulset-rollback.js';
import { pod, revisions, sts } from '../decide/statefulset-fixtures.js';

const now = new Date('2026-12-01T08:00:00Z');
const OPT_IN = { 'runbook.dev/auto-rollback': 'enabled' };
const silent = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

function optedIn(s: KubeStatefulSet, extra: Record<string, string> = {}): KubeStatefulSet {
  return { ...s, metadata: { ...s.metadata, labels: { ...OPT_IN }, annotations: { ...s.metadata?.annotations, ...extra } } };
}

function harness(budget: BlastRadiusDecision = { allowed: true, used: 0, max: 5 }) {
  const patches: unknown[] = [];
  const deleted: string[] = [];
  const reserved: string[] = [];
  const apps = {
    patchNamespacedStatefulSet: async (req: { body: unknown }) => { patches.push(req.body); return { metadata: { resourceVersion: '43' } }; },
    readNamespacedStatefulSet: async () => { throw new Error('not expected'); },
  } as unknown as k8s.AppsV1Api;
  const core = { deleteNamespacedPod: async (req: { name: string }) => { deleted.push(req.name); return {}; } } as unknown as k8s.CoreV1Api;
  const rollback = new StatefulSetRollback({
    apps, core, config: loadConfig({ WATCH_NAMESPACES: 'shop' }), log: silent, clock: { now: () => now },
    budget: () => budget, reserve: (key) => reserved.push(key),
  });
  return { rollback, patches, deleted, reserved };
}

const pods = [pod(0, 'db-h1', 'ready'), pod(1, 'db-h1', 'ready'), pod(2, 'db-h2', 'crashloop')];

function ctx(s: KubeStatefulSet, remediation?: RemediationStatus): RemediationContext {
  return {
    incident: { apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'db-down', namespace: 'shop', uid: 'uid-inc', generation: 1 }, spec: { severity: 'P1', summary: 's', target: { kind: 'StatefulSet', name: 'db' }, rollback: { policy: 'Automatic' } } },
    status: remediation ? { remediation } : {},
    diagnosis: {
      generation: 1, completedAt: now.toISOString(), summary: '', checks: [],
      proposal: { action: 'Rollback', reason: 'RollbackProposed', message: '', toRevision: 1 },
      history: { revisions: [], currentRevision: 2, lastKnownGood: { revision: 1, source: 'HealthyPods', note: 'healthy pods', controllerRevision: 'db-h1' } },
    },
    target: { kind: 'StatefulSet', statefulSet: s, controllerRevisions: revisions, replicaSets: [], pods, healthy: false, summary: '' },
    now,
  };
}

describe('remediate/statefulset-rollback', () => {
  it('intent first, then one patch, then (once the controller observed it) the broken pods restarted: Succeeded', async () => {
    const h = harness();
    const s = optedIn(sts());
    const first = await h.rollback.rollback(ctx(s), { state: 'None' });
    expect(first.persist?.type).to.equal('RollbackIntended');
    expect(first.record).to.deep.include({ state: 'Intended', fromRevision: 2, toRevision: 1, fromGeneration: 2 });
    expect(first.record.statefulSet).to.deep.equal({ fromControllerRevision: 'db-h2', toControllerRevision: 'db-h1', knownGoodRule: 'HealthyPods' });
    expect(h.patches).to.have.length(0);
    expect(h.reserved).to.deep.equal(['shop/db']);

    const second = await h.rollback.rollback(ctx(s, first.record), first.record);
    expect(h.patches).to.have.length(1);
    const ops = h.patches[0] as { op: string; path: string; value: unknown }[];
    expect(ops.map((o) => `${o.op} ${o.path}`)).to.deep.equal(['test /metadata/resourceVersion', 'replace /spec/template', 'add /metadata/annotations']);
    expect(second.record.state, 'waits for the controller to observe the template').to.equal('Intended');
    expect(second.retryAfterMs).to.be.a('number');
    expect(h.deleted, 'no pod deleted before the controller rolls to the good revision').to.deep.equal([]);

    // The watch shows the patched StatefulSet: the good ControllerRevision is the update revision again.
    const patched = optedIn(sts({ generation: 3, observed: 3, update: 'db-h1' }), { 'runbook.dev/rolled-back-by': 'uid-inc/r1' });
    const third = await h.rollback.rollback(ctx(patched, first.record), first.record);
    expect(third.record).to.deep.include({ state: 'Succeeded', reason: 'RolledBack', fromRevision: 2, toRevision: 1 });
    expect(third.record.statefulSet?.restartedPods).to.deep.equal(['db-2']);
    expect(h.deleted).to.deep.equal(['db-2']);
    expect(h.patches, 'never patched twice').to.have.length(1);
    expect(third.record.message).to.include('ControllerRevision db-h1');
  });

  it('refuses a partitioned StatefulSet with the reason and a Warning note; nothing patched, no slot taken', async () => {
    const h = harness();
    const step = await h.rollback.rollback(ctx(optedIn(sts({ partition: 1 }))), { state: 'None' });
    expect(step.record).to.deep.include({ state: 'Refused', reason: 'StatefulSetPartitioned' });
    expect(step.notes?.[0]).to.deep.include({ reason: 'StatefulSetPartitioned', warn: true });
    expect(h.patches).to.have.length(0);
    expect(h.reserved).to.have.length(0);
  });

  it('refuses OnDelete the same way', async () => {
    const h = harness();
    const step = await h.rollback.rollback(ctx(optedIn(sts({ type: 'OnDelete' }))), { state: 'None' });
    expect(step.record).to.deep.include({ state: 'Refused', reason: 'StatefulSetOnDelete' });
    expect(h.patches).to.have.length(0);
  });

  it('without the owner\'s consent: RemediationNotPermitted, nothing patched', async () => {
    const h = harness();
    const step = await h.rollback.rollback(ctx(sts()), { state: 'None' });
    expect(step.record).to.deep.include({ state: 'Refused', reason: 'RemediationNotPermitted' });
    expect(h.patches).to.have.length(0);
  });

  it('waits for a blast-radius slot (no intent written) when the budget is used up', async () => {
    const h = harness({ allowed: false, used: 5, max: 5, retryAt: new Date(now.getTime() + 10_000), message: '5 automatic rollbacks in the last 60s (at most 5)' });
    const step = await h.rollback.rollback(ctx(optedIn(sts())), { state: 'None' });
    expect(step.record).to.deep.include({ state: 'None', reason: 'BlastRadiusBudgetExhausted' });
    expect(step.persist).to.equal(undefined);
    expect(step.retryAfterMs).to.equal(10_000);
    expect(h.reserved).to.have.length(0);
  });

  it('an unverified previous revision is refused unless allowUnverified', async () => {
    const h = harness();
    const c = ctx(optedIn(sts()));
    c.diagnosis.history = { revisions: [], currentRevision: 2, lastKnownGood: { revision: 1, source: 'PreviousRevisionFallback', note: 'never verified' } };
    const step = await h.rollback.rollback(c, { state: 'None' });
    expect(step.record).to.deep.include({ state: 'Refused', reason: 'UnverifiedRevision' });
    expect(h.patches).to.have.length(0);
  });
});
