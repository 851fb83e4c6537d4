import { expect } from 'chai';
import { assessStatefulSetKnownGood } from '../../../src/decide/statefulset-known-good.js';
import { diagnoseStatefulSetHistory } from '../../../src/decide/statefulset-history.js';
import { cr, revisions, sts } from './statefulset-fixtures.js';

const now = new Date('2026-12-01T08:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('decide/statefulset-known-good', () => {
  // [case, statefulset, healthy since, expected reason]
  const cases: [string, ReturnType<typeof sts>, Date, string][] = [
    ['healthy for the window: recordable', sts({ update: 'db-h2', current: 'db-h2', ready: 3, updated: 3 }), ago(30), 'Recordable'],
    ['not for long enough yet', sts({ update: 'db-h2', current: 'db-h2', ready: 3, updated: 3 }), ago(5), 'StableWindowPending'],
    ['already recorded', sts({ update: 'db-h2', annotations: { 'runbook.dev/last-known-good': JSON.stringify({ revision: 2, templateHash: 'h2', recordedAt: '' }) } }), ago(30), 'AlreadyRecorded'],
    ['scaled to zero', sts({ replicas: 0 }), ago(30), 'ScaledToZero'],
    ['an update revision without its ControllerRevision', sts({ update: 'db-h9' }), ago(30), 'NoUpdateRevision'],
  ];
  for (const [name, s, since, want] of cases) {
    it(name, () => expect(assessStatefulSetKnownGood(s, revisions, now, 10, since).reason).to.equal(want));
  }

  it('the record it writes is what the diagnosis matches (by hash, after the revision was renumbered)', () => {
    const a = assessStatefulSetKnownGood(sts({ update: 'db-h1', current: 'db-h1' }), revisions, now, 10, ago(30));
    expect(JSON.parse(a.annotationValue ?? '{}')).to.deep.include({ revision: 1, templateHash: 'h1' });
    expect(a.requeueAfterSeconds).to.equal(undefined);
    const pending = assessStatefulSetKnownGood(sts({ update: 'db-h1' }), revisions, now, 10, ago(4));
    expect(pending.requeueAfterSeconds).to.equal(6);
    // Later: a rollback reused revision 1's ControllerRevision and renumbered it 3; then a bad revision 4 came.
    // The record (revision 1, hash h1) still names it, by hash.
    const later = [cr(3, 'db:1', 'db', 'h1'), cr(2, 'db:2'), cr(4, 'db:4')];
    const h = diagnoseStatefulSetHistory(sts({ update: 'db-h4', annotations: { 'runbook.dev/last-known-good': a.annotationValue ?? '' } }), later, undefined);
    expect(h.lastKnownGood).to.include({ revision: 3, source: 'Recorded', controllerRevision: 'db-h1' });
  });
});
