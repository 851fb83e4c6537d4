import { expect } from 'chai';
import type { KubeDeployment, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import { currentRevisionOf, ownedReplicaSets, parseRevision, replicaSetOfPod } from '../../../src/decide/replica-sets.js';
import { aDeployment, aPod, aReplicaSet } from './rollback-fixtures.js';

describe('decide/replica-sets', () => {
  describe('parseRevision', () => {
    const cases: [string | undefined, number | undefined][] = [
      ['7', 7],
      [' 12 ', 12],
      ['0', 0],
      ['-1', undefined],
      ['1.5', undefined],
      ['07', undefined],
      ['abc', undefined],
      [undefined, undefined],
      ['99999999999999999999', undefined],
    ];
    for (const [value, want] of cases) {
      it(`${String(value)} -> ${String(want)}`, () => expect(parseRevision(value)).to.equal(want));
    }
  });

  describe('ownedReplicaSets', () => {
    const deployment = aDeployment({ revision: 3 });
    const cases: { name: string; deployment: KubeDeployment; replicaSets: KubeReplicaSet[]; want: number[] }[] = [
      { name: 'sorted newest first', deployment, replicaSets: [aReplicaSet(1), aReplicaSet(3), aReplicaSet(2)], want: [3, 2, 1] },
      { name: 'other owner uid excluded', deployment, replicaSets: [aReplicaSet(1, undefined, { ownerUid: 'x' }), aReplicaSet(2)], want: [2] },
      { name: 'non-controller ref excluded', deployment, replicaSets: [aReplicaSet(1, undefined, { controller: false }), aReplicaSet(2)], want: [2] },
      {
        name: 'other namespace excluded',
        deployment,
        replicaSets: [{ ...aReplicaSet(1), metadata: { ...aReplicaSet(1).metadata, namespace: 'other' } }, aReplicaSet(2)],
        want: [2],
      },
      {
        name: 'unparseable revision excluded',
        deployment,
        replicaSets: [aReplicaSet(2), { ...aReplicaSet(1), metadata: { ...aReplicaSet(1).metadata, annotations: {} } }],
        want: [2],
      },
      {
        name: 'matched by name when the deployment has no uid',
        deployment: { metadata: { name: 'patient-advocacy-api', namespace: 'patient-advocacy' } },
        replicaSets: [aReplicaSet(1), aReplicaSet(4)],
        want: [4, 1],
      },
    ];
    for (const c of cases) {
      it(c.name, () => expect(ownedReplicaSets(c.deployment, c.replicaSets).map((e) => e.revision)).to.deep.equal(c.want));
    }
  });

  it('replicaSetOfPod follows the controller reference', () => {
    const owned = ownedReplicaSets(aDeployment(), [aReplicaSet(1), aReplicaSet(2)]);
    expect(replicaSetOfPod(aPod(aReplicaSet(1)), owned)?.revision).to.equal(1);
    expect(replicaSetOfPod(aPod(aReplicaSet(9)), owned)).to.equal(undefined);
  });

  it('currentRevisionOf prefers the deployment annotation', () => {
    const owned = ownedReplicaSets(aDeployment(), [aReplicaSet(1), aReplicaSet(5)]);
    expect(currentRevisionOf(aDeployment({ revision: 4 }), owned)).to.equal(4);
    expect(currentRevisionOf(aDeployment(), owned)).to.equal(5);
  });
});
