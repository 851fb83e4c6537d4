import { expect } from 'chai';
import fc from 'fast-check';
import { diagnoseStatefulSetHistory, isStatefulSetHealthy, podsToRestart, statefulSetPods, summariseStatefulSetPodHealth } from '../../../src/decide/statefulset-history.js';
import { cr, pod, revisions, sts } from './statefulset-fixtures.js';

describe('decide/statefulset-history', () => {
  it('groups the StatefulSet\'s own pods by ControllerRevision (controller-revision-hash label); others are left out', () => {
    const pods = [pod(0, 'db-h1', 'ready'), pod(1, 'db-h1', 'ready'), pod(2, 'db-h2', 'crashloop'), pod(0, 'other-h7', 'crashloop', 'other'), pod(3, 'db-unknown', 'ready')];
    expect(statefulSetPods(sts(), pods).map((p) => p.metadata?.name)).to.deep.equal(['db-0', 'db-1', 'db-2', 'db-3']);
    const h = summariseStatefulSetPodHealth(sts(), revisions, pods);
    expect(h.byRevision).to.deep.equal([{ revision: 2, pods: 1, ready: 0, crashLooping: 1 }, { revision: 1, pods: 2, ready: 2, crashLooping: 0 }]);
    expect(h).to.include({ desired: 3, ready: 2, total: 3, crashLoopingPods: 1 });
    expect(h.pods[0]).to.include({ name: 'db-2', revision: 2, crashLooping: true });
  });

  // [case, sts options, pods, expected { revision, source }]
  const cases: [string, Parameters<typeof sts>[0], ReturnType<typeof pod>[], { revision: number | null; source: string }][] = [
    ['older revision with healthy pods', {}, [pod(0, 'db-h1', 'ready'), pod(1, 'db-h1', 'ready'), pod(2, 'db-h2', 'crashloop')], { revision: 1, source: 'HealthyPods' }],
    ['older revision with a not-ready pod: not proven', {}, [pod(0, 'db-h1', 'ready'), pod(1, 'db-h1', 'starting'), pod(2, 'db-h2', 'crashloop')], { revision: 1, source: 'PreviousRevisionFallback' }],
    ['every pod replaced: the previous revision, unverified', {}, [pod(0, 'db-h2', 'crashloop')], { revision: 1, source: 'PreviousRevisionFallback' }],
    ['a record matched by hash wins', { annotations: { 'runbook.dev/last-known-good': JSON.stringify({ revision: 1, templateHash: 'h1', recordedAt: '' }) } }, [], { revision: 1, source: 'Recorded' }],
    ['a record of the update revision itself does not count', { annotations: { 'runbook.dev/last-known-good': JSON.stringify({ revision: 2, templateHash: 'h2', recordedAt: '' }) } }, [], { revision: 1, source: 'PreviousRevisionFallback' }],
    ['nothing older than the update revision', { update: 'db-h1' }, [], { revision: null, source: 'None' }],
  ];
  for (const [name, o, pods, want] of cases) {
    it(`last known good: ${name}`, () => {
      const s = sts(o);
      const h = diagnoseStatefulSetHistory(s, revisions, summariseStatefulSetPodHealth(s, revisions, pods));
      expect({ revision: h.lastKnownGood.revision, source: h.lastKnownGood.source }, h.lastKnownGood.note).to.deep.equal(want);
    });
  }

  it('history: newest first, with the ControllerRevision names and images, current = the update revision', () => {
    const h = diagnoseStatefulSetHistory(sts(), revisions, undefined);
    expect(h.currentRevision).to.equal(2);
    expect(h.revisions.map((r) => [r.revision, r.controllerRevision, r.images[0], r.templateHash])).to.deep.equal([[2, 'db-h2', 'db:2', 'h2'], [1, 'db-h1', 'db:1', 'h1']]);
    expect(h.lastKnownGood.controllerRevision).to.equal('db-h1');
  });

  it('healthy only when every replica is ready and at the update revision, with the spec observed', () => {
    expect(isStatefulSetHealthy(sts({ ready: 3, updated: 3, current: 'db-h2' }))).to.equal(true);
    expect(isStatefulSetHealthy(sts({ ready: 3, updated: 3, current: 'db-h1' }))).to.equal(false);
    expect(isStatefulSetHealthy(sts({ ready: 2, updated: 3, current: 'db-h2' }))).to.equal(false);
    expect(isStatefulSetHealthy(sts({ ready: 3, updated: 3, current: 'db-h2', generation: 3, observed: 2 }))).to.equal(false);
  });

  it('pods to restart after the rollback: the bad revision\'s not-ready pods only', () => {
    const pods = [pod(0, 'db-h1', 'ready'), pod(1, 'db-h2', 'ready'), pod(2, 'db-h2', 'crashloop'), pod(3, 'db-h2', 'starting'), pod(0, 'other-h2', 'crashloop', 'other')];
    expect(podsToRestart(sts(), pods, 'db-h2').map((p) => p.metadata?.name)).to.deep.equal(['db-2', 'db-3']);
  });

  it('property: the known good is older than the update revision, and HealthyPods never names a revision with a failing pod', () => {
    const health = fc.constantFrom<'ready' | 'crashloop' | 'starting'>('ready', 'crashloop', 'starting');
    fc.assert(fc.property(fc.integer({ min: 2, max: 6 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), health), { maxLength: 8 }), (n, podSpecs) => {
      const revs = Array.from({ length: n }, (_, i) => cr(i + 1, `db:${i + 1}`));
      const s = sts({ update: `db-h${n}` });
      const pods = podSpecs.filter(([r]) => r <= n).map(([r, hh], i) => pod(i, `db-h${r}`, hh));
      const h = diagnoseStatefulSetHistory(s, revs, summariseStatefulSetPodHealth(s, revs, pods));
      const lkg = h.lastKnownGood;
      expect(h.currentRevision).to.equal(n);
      if (lkg.revision === null) return;
      expect(lkg.revision).to.be.lessThan(n);
      if (lkg.source === 'HealthyPods') {
        const of = pods.filter((p) => p.metadata?.labels?.['controller-revision-hash'] === `db-h${lkg.revision}`);
        expect(of.length).to.be.greaterThan(0);
        expect(of.every((p) => p.status?.conditions?.[0]?.status === 'True')).to.equal(true);
      } else {
        expect(lkg.source).to.equal('PreviousRevisionFallback');
        expect(lkg.revision).to.equal(n - 1);
      }
    }), { numRuns: 200 });
  });
});
