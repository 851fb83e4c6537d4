import { expect } from 'chai';
import type { KubeDeployment, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import {
  LAST_KNOWN_GOOD_ANNOTATION,
  MAX_HISTORY_REVISIONS,
  assessHealthyRevision,
  diagnoseRolloutHistory,
  parseLastKnownGood,
  shouldRecordHealthyRevision,
  type LastKnownGood,
} from '../../../src/decide/rollout-history.js';
import { aDeployment, aReplicaSet, aTemplate, availableCondition, deepFreeze, progressingCondition } from './rollback-fixtures.js';

const lkg = (revision: number, templateHash: string) =>
  JSON.stringify({ revision, templateHash, recordedAt: '2024-05-01T00:00:00.000Z' });

describe('decide/rollout-history', () => {
  describe('diagnoseRolloutHistory revisions', () => {
    it('lists owned revisions newest first with images, change cause and ISO creation time', () => {
      const deployment = aDeployment({ revision: 3 });
      const replicaSets = [
        aReplicaSet(1, aTemplate({ image: 'img:1' }), { createdAt: new Date('2024-05-01T10:00:00Z') }),
        aReplicaSet(3, aTemplate({ image: 'img:3' }), { annotations: { 'kubernetes.io/change-cause': 'bump to 3' } }),
        aReplicaSet(2, aTemplate({ image: 'img:2' }), { createdAt: '2024-05-02T10:00:00Z' }),
        aReplicaSet(7, aTemplate({ image: 'foreign' }), { ownerUid: 'other' }),
      ];
      const history = diagnoseRolloutHistory(deepFreeze(deployment), deepFreeze(replicaSets));
      expect(history.currentRevision).to.equal(3);
      expect(history.revisions).to.deep.equal([
        {
          revision: 3,
          createdAt: '2024-05-03T10:00:00.000Z',
          images: ['img:3'],
          changeCause: 'bump to 3',
          replicaSet: 'patient-advocacy-api-h3',
          templateHash: 'h3',
        },
        { revision: 2, createdAt: '2024-05-02T10:00:00.000Z', images: ['img:2'], replicaSet: 'patient-advocacy-api-h2', templateHash: 'h2' },
        { revision: 1, createdAt: '2024-05-01T10:00:00.000Z', images: ['img:1'], replicaSet: 'patient-advocacy-api-h1', templateHash: 'h1' },
      ]);
    });

    it(`is bounded to ${MAX_HISTORY_REVISIONS} entries, keeping the newest`, () => {
      const replicaSets = Array.from({ length: 12 }, (_, i) => aReplicaSet(i + 1));
      const history = diagnoseRolloutHistory(aDeployment({ revision: 12 }), replicaSets);
      expect(history.revisions.map((r) => r.revision)).to.deep.equal([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    });

    it('current revision falls back to the highest ReplicaSet revision', () => {
      const history = diagnoseRolloutHistory(aDeployment(), [aReplicaSet(4), aReplicaSet(5)]);
      expect(history.currentRevision).to.equal(5);
    });

    it('current revision is null without revisions', () => {
      expect(diagnoseRolloutHistory(aDeployment(), []).currentRevision).to.equal(null);
    });
  });

  describe('last known good', () => {
    const cases: {
      name: string;
      deployment: KubeDeployment;
      replicaSets: KubeReplicaSet[];
      opts?: { lastKnownGoodAnnotation?: string };
      want: Partial<LastKnownGood>;
      note?: RegExp;
    }[] = [
      {
        name: 'no record: previous revision fallback, flagged as unverified',
        deployment: aDeployment({ revision: 3 }),
        replicaSets: [aReplicaSet(1), aReplicaSet(2), aReplicaSet(3)],
        want: { revision: 2, source: 'PreviousRevisionFallback', replicaSet: 'patient-advocacy-api-h2' },
        note: /never verified/,
      },
      {
        name: 'no record and a single revision: None',
        deployment: aDeployment({ revision: 1 }),
        replicaSets: [aReplicaSet(1)],
        want: { revision: null, source: 'None' },
      },
      {
        name: 'recorded revision matched by template hash',
        deployment: aDeployment({ revision: 3, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(1, 'h1') } }),
        replicaSets: [aReplicaSet(1), aReplicaSet(2), aReplicaSet(3)],
        want: { revision: 1, source: 'Recorded', templateHash: 'h1' },
      },
      {
        // good (rev 2) -> bad (rev 3) -> undo: the controller reuses the good RS and renumbers it 4.
        // Then bad again arrives as 5 reusing the bad RS. Previous revision (4) happens to be good here,
        // but in the next case the previous revision is the bad one.
        name: 'renumbered good ReplicaSet is found by hash under its new number',
        deployment: aDeployment({ revision: 5, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(2, 'goodhash') } }),
        replicaSets: [aReplicaSet(1), aReplicaSet(4, aTemplate(), { hash: 'goodhash' }), aReplicaSet(5, aTemplate({ image: 'bad' }), { hash: 'badhash' })],
        want: { revision: 4, source: 'Recorded', replicaSet: 'patient-advocacy-api-goodhash' },
        note: /renumbered to 4/,
      },
      {
        name: 'after a rollback the previous revision is the bad one; the record still points at the good hash',
        deployment: aDeployment({ revision: 4, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(2, 'goodhash') } }),
        replicaSets: [
          aReplicaSet(1, aTemplate({ image: 'older' }), { hash: 'oldhash' }),
          aReplicaSet(3, aTemplate({ image: 'bad' }), { hash: 'badhash' }),
          aReplicaSet(4, aTemplate(), { hash: 'goodhash' }),
        ],
        want: { revision: 4, source: 'Recorded' },
        note: /current revision/,
      },
      {
        name: 'hash unknown but revision number exists: matched by number',
        deployment: aDeployment({ revision: 3, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(2, 'nothere') } }),
        replicaSets: [aReplicaSet(1), aReplicaSet(2), aReplicaSet(3)],
        want: { revision: 2, source: 'Recorded' },
        note: /by number/,
      },
      {
        name: 'recorded revision pruned: None (no guessing)',
        deployment: aDeployment({ revision: 9, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(2, 'gone') } }),
        replicaSets: [aReplicaSet(8), aReplicaSet(9)],
        want: { revision: null, source: 'None' },
        note: /no ReplicaSet/,
      },
      {
        name: 'malformed record: None',
        deployment: aDeployment({ revision: 3, annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: '{not json' } }),
        replicaSets: [aReplicaSet(2), aReplicaSet(3)],
        want: { revision: null, source: 'None' },
        note: /malformed/,
      },
      {
        name: 'custom annotation key',
        deployment: aDeployment({ revision: 3, annotations: { 'example.org/good': lkg(1, 'h1') } }),
        replicaSets: [aReplicaSet(1), aReplicaSet(2), aReplicaSet(3)],
        opts: { lastKnownGoodAnnotation: 'example.org/good' },
        want: { revision: 1, source: 'Recorded' },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const history = diagnoseRolloutHistory(deepFreeze(c.deployment), deepFreeze(c.replicaSets), c.opts);
        expect(history.lastKnownGood).to.include(c.want);
        if (c.note) expect(history.lastKnownGood.note).to.match(c.note);
      });
    }
  });

  describe('parseLastKnownGood', () => {
    const cases: [string | undefined, boolean][] = [
      [lkg(6, 'abc'), true],
      [undefined, false],
      ['[]', false],
      ['{"revision":"6","templateHash":"abc"}', false],
      ['{"revision":-1,"templateHash":"abc"}', false],
      ['{"revision":6}', false],
    ];
    for (const [value, ok] of cases) {
      it(`${String(value)} -> ${ok ? 'record' : 'undefined'}`, () => {
        const parsed = parseLastKnownGood(value);
        if (ok) expect(parsed).to.deep.equal({ revision: 6, templateHash: 'abc', recordedAt: '2024-05-01T00:00:00.000Z' });
        else expect(parsed).to.equal(undefined);
      });
    }
  });

  describe('shouldRecordHealthyRevision', () => {
    const now = new Date('2024-05-10T12:00:00.000Z');
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const healthyStatus = (extra: Record<string, unknown> = {}) => ({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [availableCondition('True', ago(120).toISOString()), progressingCondition('NewReplicaSetAvailable', ago(90).toISOString())],
      ...extra,
    });
    const rss = [aReplicaSet(5, aTemplate(), { hash: 'old' }), aReplicaSet(6, aTemplate({ image: 'new' }), { hash: 'abc' })];
    const expected = JSON.stringify({ revision: 6, templateHash: 'abc', recordedAt: now.toISOString() });

    const cases: {
      name: string;
      deployment: KubeDeployment;
      since?: Date;
      want: string | null;
      reason: string;
    }[] = [
      { name: 'healthy for longer than the window (from conditions)', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus() }), want: expected, reason: 'Recordable' },
      { name: 'healthy per caller observation', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus() }), since: ago(31), want: expected, reason: 'Recordable' },
      { name: 'window not yet elapsed', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus() }), since: ago(10), want: null, reason: 'StableWindowPending' },
      {
        name: 'rollout just completed (Progressing newer than Available)',
        deployment: aDeployment({
          revision: 6,
          generation: 2,
          status: healthyStatus({ conditions: [availableCondition('True', ago(3600).toISOString()), progressingCondition('NewReplicaSetAvailable', ago(5).toISOString())] }),
        }),
        want: null,
        reason: 'StableWindowPending',
      },
      { name: 'Available=False', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus({ conditions: [availableCondition('False', ago(120).toISOString())] }) }), want: null, reason: 'NotAvailable' },
      { name: 'not all replicas updated', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus({ updatedReplicas: 2 }) }), want: null, reason: 'RolloutIncomplete' },
      { name: 'not all replicas ready', deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus({ readyReplicas: 2 }) }), want: null, reason: 'RolloutIncomplete' },
      { name: 'generation not observed', deployment: aDeployment({ revision: 6, generation: 3, status: healthyStatus() }), want: null, reason: 'NotObserved' },
      { name: 'scaled to zero', deployment: aDeployment({ revision: 6, generation: 2, replicas: 0, status: healthyStatus() }), want: null, reason: 'ScaledToZero' },
      {
        name: 'already recorded for this hash',
        deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus(), annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(6, 'abc') } }),
        want: null,
        reason: 'AlreadyRecorded',
      },
      {
        name: 'recorded for another hash: record the new one',
        deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus(), annotations: { [LAST_KNOWN_GOOD_ANNOTATION]: lkg(5, 'old') } }),
        want: expected,
        reason: 'Recordable',
      },
      {
        name: 'no timestamps to prove stability',
        deployment: aDeployment({ revision: 6, generation: 2, status: healthyStatus({ conditions: [{ type: 'Available', status: 'True' }] }) }),
        want: null,
        reason: 'HealthySinceUnknown',
      },
      { name: 'current ReplicaSet missing', deployment: aDeployment({ revision: 7, generation: 2, status: healthyStatus() }), want: null, reason: 'NoCurrentReplicaSet' },
    ];
    for (const c of cases) {
      it(`${c.name} -> ${c.reason}`, () => {
        const d = deepFreeze(c.deployment);
        expect(shouldRecordHealthyRevision(d, deepFreeze(rss), now, 30, c.since)).to.equal(c.want);
        expect(assessHealthyRevision(d, rss, now, 30, c.since).reason).to.equal(c.reason);
      });
    }

    it('tells how long until the window elapses', () => {
      const d = aDeployment({ revision: 6, generation: 2, status: healthyStatus() });
      expect(assessHealthyRevision(d, rss, now, 30, ago(10)).requeueAfterSeconds).to.equal(20);
    });

    it('accepts Date condition timestamps (client-node objects)', () => {
      const d = aDeployment({
        revision: 6,
        generation: 2,
        status: healthyStatus({ conditions: [{ type: 'Available', status: 'True', lastTransitionTime: ago(100) }] }),
      });
      expect(shouldRecordHealthyRevision(d, rss, now)).to.equal(expected);
    });
  });
});
