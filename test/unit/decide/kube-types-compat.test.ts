/**
 * Compile-time check (run `npx tsc --noEmit -p .`) that @kubernetes/client-node
 * model objects are assignable to the decision code's structural types, plus a
 * runtime check that the decisions handle client-node's Date timestamps.
 * Only this test may import client-node; it imports types only.
 */
import { expect } from 'chai';
import type { V1Deployment, V1Namespace, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeDeployment, KubeNamespace, KubePod, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import { summarisePodHealth } from '../../../src/decide/pod-health.js';
import { planRollback } from '../../../src/decide/rollback-plan.js';
import { diagnoseRolloutHistory } from '../../../src/decide/rollout-history.js';

// Type-level assignability: these functions only compile if V1X is assignable to KubeX.
const asDeployment = (d: V1Deployment): KubeDeployment => d;
const asReplicaSet = (rs: V1ReplicaSet): KubeReplicaSet => rs;
const asPod = (p: V1Pod): KubePod => p;
const asNamespace = (n: V1Namespace): KubeNamespace => n;
const asLists = (ds: V1Deployment[], rss: V1ReplicaSet[], ps: V1Pod[]): [readonly KubeDeployment[], readonly KubeReplicaSet[], readonly KubePod[]] => [ds, rss, ps];

const created = new Date('2024-05-01T10:00:00Z');

const deployment: V1Deployment = {
  metadata: {
    name: 'api',
    namespace: 'ns',
    uid: 'd-uid',
    resourceVersion: '10',
    generation: 1,
    creationTimestamp: created,
    annotations: { 'deployment.kubernetes.io/revision': '2' },
  },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'api' } },
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'img:2' }] } },
  },
  status: {
    availableReplicas: 0,
    conditions: [{ type: 'Available', status: 'False', lastTransitionTime: created, lastUpdateTime: created }],
  },
};

const replicaSet = (revision: number, image: string): V1ReplicaSet => ({
  metadata: {
    name: `api-h${revision}`,
    namespace: 'ns',
    uid: `rs-${revision}`,
    creationTimestamp: created,
    labels: { app: 'api', 'pod-template-hash': `h${revision}` },
    annotations: { 'deployment.kubernetes.io/revision': String(revision) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'd-uid', controller: true }],
  },
  spec: {
    selector: { matchLabels: { app: 'api' } },
    template: {
      metadata: { labels: { app: 'api', 'pod-template-hash': `h${revision}` }, creationTimestamp: created },
      spec: { containers: [{ name: 'api', image }] },
    },
  },
});

const pod: V1Pod = {
  metadata: {
    name: 'api-h2-x',
    namespace: 'ns',
    creationTimestamp: created,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-h2', uid: 'rs-2', controller: true }],
  },
  status: {
    phase: 'Running',
    startTime: created,
    containerStatuses: [
      {
        name: 'api',
        image: 'img:2',
        imageID: 'sha',
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, finishedAt: created, startedAt: created } },
      },
    ],
  },
};

describe('decide/kube-types compatibility with @kubernetes/client-node', () => {
  it('client-node objects with Date timestamps flow through the decisions', () => {
    const d = asDeployment(deployment);
    const rss = [asReplicaSet(replicaSet(1, 'img:1')), asReplicaSet(replicaSet(2, 'img:2'))];
    const [, , pods] = asLists([deployment], [], [pod]);
    expect(asNamespace({ metadata: { name: 'ns', labels: { a: 'b' } } }).metadata?.labels).to.deep.equal({ a: 'b' });

    expect(diagnoseRolloutHistory(d, rss).revisions.map((r) => r.createdAt)).to.deep.equal([
      '2024-05-01T10:00:00.000Z',
      '2024-05-01T10:00:00.000Z',
    ]);
    expect(summarisePodHealth(d, rss, pods).byRevision).to.deep.equal([{ revision: 2, pods: 1, ready: 0, crashLooping: 1 }]);
    const plan = planRollback(d, rss, 1);
    expect(plan.action).to.equal('Patch');
    if (plan.action === 'Patch') {
      expect(plan.patch[1]?.value).to.deep.equal({
        metadata: { labels: { app: 'api' }, creationTimestamp: '2024-05-01T10:00:00Z' },
        spec: { containers: [{ name: 'api', image: 'img:1' }] },
      });
    }
    expect(asPod(pod).status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).to.equal(1);
  });
});
