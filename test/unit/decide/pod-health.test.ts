import { expect } from 'chai';
import type { KubePod } from '../../../src/decide/kube-types.js';
import { MAX_SUMMARISED_PODS, isCrashLooping, summarisePodHealth } from '../../../src/decide/pod-health.js';
import { aDeployment, aPod, aReplicaSet, aTemplate, deepFreeze, type PodOptions } from './rollback-fixtures.js';

describe('decide/pod-health', () => {
  describe('isCrashLooping', () => {
    const rs = aReplicaSet(3);
    const cases: { name: string; pod: PodOptions; threshold?: number; want: boolean }[] = [
      { name: 'waiting CrashLoopBackOff, few restarts', pod: { waiting: 'CrashLoopBackOff', restarts: 1, lastExitCode: 1 }, want: true },
      { name: 'restarts at threshold after exit 1', pod: { restarts: 3, lastExitCode: 1 }, want: true },
      { name: 'restarts above threshold after exit 0 (clean exits)', pod: { restarts: 4, lastExitCode: 0, lastReason: 'Completed' }, want: false },
      { name: 'restarts below threshold after exit 1', pod: { restarts: 2, lastExitCode: 1 }, want: false },
      { name: 'lower threshold', pod: { restarts: 2, lastExitCode: 1 }, threshold: 2, want: true },
      { name: 'restarts with unknown exit code', pod: { restarts: 5 }, want: false },
      { name: 'currently terminated non-zero with restarts', pod: { terminatedExitCode: 137, restarts: 3 }, want: true },
      { name: 'healthy running pod', pod: {}, want: false },
      { name: 'waiting for image pull', pod: { waiting: 'ImagePullBackOff' }, want: false },
      { name: 'init container in CrashLoopBackOff', pod: { initWaiting: 'CrashLoopBackOff' }, want: true },
    ];
    for (const c of cases) {
      it(`${c.name} -> ${c.want}`, () => {
        const pod = deepFreeze(aPod(rs, c.pod));
        expect(c.threshold === undefined ? isCrashLooping(pod) : isCrashLooping(pod, c.threshold)).to.equal(c.want);
      });
    }
  });

  describe('summarisePodHealth', () => {
    const deployment = aDeployment({
      revision: 3,
      replicas: 3,
      status: { replicas: 4, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 3 },
    });
    const old = aReplicaSet(2, aTemplate({ image: 'img:2' }), { deployment });
    const current = aReplicaSet(3, aTemplate({ image: 'img:3' }), { deployment });
    const foreign = aReplicaSet(3, aTemplate(), { ownerUid: 'other', hash: 'foreign' });

    it('groups pods by revision through ReplicaSet ownership and counts crash loops and waiting reasons', () => {
      const pods: KubePod[] = [
        aPod(current, { name: 'c-crash-b', waiting: 'CrashLoopBackOff', restarts: 4, lastExitCode: 1 }),
        aPod(current, { name: 'c-crash-a', waiting: 'CrashLoopBackOff', restarts: 5, lastExitCode: 2 }),
        aPod(current, { name: 'c-ok' }),
        aPod(old, { name: 'o-ok' }),
        aPod(foreign, { name: 'foreign-crash', waiting: 'CrashLoopBackOff', restarts: 9, lastExitCode: 1 }),
      ];
      const health = summarisePodHealth(deepFreeze(deployment), deepFreeze([old, current, foreign]), deepFreeze(pods));
      expect({ desired: health.desired, ready: health.ready, available: health.available, total: health.total }).to.deep.equal({
        desired: 3,
        ready: 2,
        available: 2,
        total: 4,
      });
      expect(health.byRevision).to.deep.equal([
        { revision: 3, pods: 3, ready: 1, crashLooping: 2 },
        { revision: 2, pods: 1, ready: 1, crashLooping: 0 },
      ]);
      expect(health.waitingReasons).to.deep.equal({ CrashLoopBackOff: 2 });
      expect(health.crashLoopingPods).to.equal(2);
      expect(health.pods.map((p) => p.name)).to.deep.equal(['c-crash-a', 'c-crash-b', 'c-ok', 'o-ok']);
      expect(health.summary).to.equal('2/3 ready, 2 available, 4 pods; 2 crash-looping (r3: 2/3); waiting: CrashLoopBackOff=2');
    });

    it('describes containers without copying state messages (may contain log text)', () => {
      const pod = aPod(current, { name: 'p', waiting: 'CrashLoopBackOff', restarts: 4, lastExitCode: 1, lastReason: 'Error' });
      const health = summarisePodHealth(deployment, [current], [pod]);
      expect(health.pods[0]).to.deep.equal({
        name: 'p',
        revision: 3,
        phase: 'Running',
        ready: false,
        restarts: 4,
        crashLooping: true,
        containers: [
          { name: 'api', init: false, state: 'waiting', reason: 'CrashLoopBackOff', lastExitCode: 1, lastReason: 'Error', restartCount: 4 },
        ],
      });
      expect(JSON.stringify(health)).not.to.match(/patient 123|raw log/);
    });

    it('reports terminated and running states', () => {
      const health = summarisePodHealth(deployment, [current], [
        aPod(current, { name: 'a', terminatedExitCode: 137, restarts: 1 }),
        aPod(current, { name: 'b' }),
      ]);
      expect(health.pods.map((p) => p.containers[0])).to.deep.equal([
        { name: 'api', init: false, state: 'terminated', reason: 'Error', exitCode: 137, restartCount: 1 },
        { name: 'api', init: false, state: 'running', restartCount: 0 },
      ]);
    });

    it(`bounds the pod list to ${MAX_SUMMARISED_PODS}, crash-looping first`, () => {
      const pods = Array.from({ length: 25 }, (_, i) =>
        aPod(current, i === 24 ? { name: 'z-crash', waiting: 'CrashLoopBackOff' } : { name: `p${String(i).padStart(2, '0')}` }),
      );
      const health = summarisePodHealth(deployment, [current], pods);
      expect(health.total).to.equal(25);
      expect(health.pods).to.have.length(MAX_SUMMARISED_PODS);
      expect(health.omittedPods).to.equal(5);
      expect(health.pods[0]?.name).to.equal('z-crash');
    });

    it('has an empty summary shape without pods', () => {
      const health = summarisePodHealth(aDeployment({ replicas: 2 }), [], []);
      expect(health).to.include({ desired: 2, ready: 0, available: 0, total: 0, crashLoopingPods: 0, summary: '0/2 ready, 0 available, 0 pods' });
      expect(health.byRevision).to.deep.equal([]);
    });
  });
});
