import { expect } from 'chai';
import { ownedControllerRevisions, planStatefulSetRollback, type KubeControllerRevision, type KubeStatefulSet } from '../../../src/decide/statefulset-rollback.js';

const tpl = (image: string) => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } });
const cr = (revision: number, image: string, owner = 'db'): KubeControllerRevision => ({
  metadata: { name: `${owner}-h${revision}`, namespace: 'shop', ownerReferences: [{ kind: 'StatefulSet', name: owner, uid: `uid-${owner}`, controller: true }] },
  revision,
  data: { spec: { template: { ...tpl(image), $patch: 'replace' } } },
});
const sts = (over: Partial<KubeStatefulSet['spec']> = {}, updateRevision = 'db-h3'): KubeStatefulSet => ({
  metadata: { name: 'db', namespace: 'shop', uid: 'uid-db', resourceVersion: '42' },
  spec: { template: tpl('db:3'), updateStrategy: { type: 'RollingUpdate' }, ...over },
  status: { currentRevision: 'db-h2', updateRevision },
});
const revisions = [cr(1, 'db:1'), cr(2, 'db:2'), cr(3, 'db:3'), cr(9, 'other:9', 'other')];

describe('decide/statefulset-rollback', () => {
  it('rolls back to the previous ControllerRevision: its template, with the resourceVersion test', () => {
    const plan = planStatefulSetRollback(sts(), revisions);
    expect(plan).to.deep.equal({
      action: 'Patch', fromRevision: 3, toRevision: 2, toControllerRevision: 'db-h2',
      patch: [{ op: 'test', path: '/metadata/resourceVersion', value: '42' }, { op: 'replace', path: '/spec/template', value: tpl('db:2') }],
    });
    expect(ownedControllerRevisions(sts(), revisions).map((r) => r.revision)).to.deep.equal([3, 2, 1]);
    const to1 = planStatefulSetRollback(sts(), revisions, 1);
    expect(to1.action === 'Patch' && to1.toControllerRevision).to.equal('db-h1');
  });

  it('refuses where the rollback would not take effect: partition > 0, OnDelete; and unknown revisions', () => {
    const part = planStatefulSetRollback(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }), revisions);
    expect(part).to.include({ action: 'Refuse', reason: 'StatefulSetPartitioned' });
    expect(part.action === 'Refuse' && part.message).to.include('partition is 2');
    expect(planStatefulSetRollback(sts({ updateStrategy: { type: 'OnDelete' } }), revisions)).to.include({ action: 'Refuse', reason: 'StatefulSetOnDelete' });
    expect(planStatefulSetRollback(sts(), revisions, 7)).to.include({ action: 'Refuse', reason: 'RevisionNotFound' });
    expect(planStatefulSetRollback(sts(), [cr(3, 'db:3')])).to.include({ action: 'Refuse', reason: 'RevisionNotFound' });
    expect(planStatefulSetRollback(sts(), revisions, 3)).to.deep.equal({ action: 'Skip', message: 'StatefulSet db is already at revision 3', toRevision: 3 });
  });
});
