import { expect } from 'chai';
import type { RevisionHealth } from '../../../src/decide/pod-health.js';
import { detectSharedCause, type SharedCauseResult } from '../../../src/decide/shared-cause.js';
import { deepFreeze } from './rollback-fixtures.js';

const rev = (revision: number, crashLooping: number, pods = 2): RevisionHealth => ({ revision, pods, ready: pods - crashLooping, crashLooping });

describe('decide/shared-cause', () => {
  const cases: {
    name: string;
    byRevision: RevisionHealth[];
    others: string[];
    db?: boolean;
    want: Pick<SharedCauseResult, 'shared' | 'reasons'>;
    message: RegExp;
  }[] = [
    {
      name: 'only the newest revision crashes',
      byRevision: [rev(5, 2), rev(4, 0)],
      others: [],
      db: true,
      want: { shared: false, reasons: [] },
      message: /no shared cause/,
    },
    {
      name: 'an older revision crashes too',
      byRevision: [rev(5, 2), rev(4, 1)],
      others: [],
      want: { shared: true, reasons: ['OlderRevisionsCrashing'] },
      message: /older revision\(s\) 4 crash-loop too/,
    },
    {
      name: 'a single revision crashing is no evidence of a shared cause',
      byRevision: [rev(5, 2)],
      others: [],
      want: { shared: false, reasons: [] },
      message: /no shared cause/,
    },
    {
      name: 'one other deployment crash-looping is not enough',
      byRevision: [rev(5, 2)],
      others: ['billing'],
      want: { shared: false, reasons: [] },
      message: /no shared cause/,
    },
    {
      name: 'two other deployments crash-looping',
      byRevision: [rev(5, 2)],
      others: ['search', 'billing'],
      want: { shared: true, reasons: ['NamespaceWideCrashLoops'] },
      message: /2 other deployments .*\(billing, search\)/,
    },
    {
      name: 'duplicate names are counted once',
      byRevision: [rev(5, 2)],
      others: ['billing', 'billing'],
      want: { shared: false, reasons: [] },
      message: /no shared cause/,
    },
    {
      name: 'database check failed',
      byRevision: [rev(5, 2)],
      others: [],
      db: false,
      want: { shared: true, reasons: ['DatabaseUnreachable'] },
      message: /not rolling back.*database/,
    },
    {
      name: 'everything at once',
      byRevision: [rev(5, 2), rev(3, 1), rev(4, 2)],
      others: ['a', 'b', 'c'],
      db: false,
      want: { shared: true, reasons: ['OlderRevisionsCrashing', 'NamespaceWideCrashLoops', 'DatabaseUnreachable'] },
      message: /older revision\(s\) 4, 3 .*3 other deployments.*database/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = detectSharedCause(
        deepFreeze({
          podHealth: { byRevision: c.byRevision },
          otherDeploymentsCrashLooping: c.others,
          ...(c.db !== undefined ? { databaseReachable: c.db } : {}),
        }),
      );
      expect({ shared: result.shared, reasons: result.reasons }).to.deep.equal(c.want);
      expect(result.message).to.match(c.message);
    });
  }

  it('bounds the list of named deployments', () => {
    const others = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    const result = detectSharedCause({ podHealth: { byRevision: [rev(2, 1)] }, otherDeploymentsCrashLooping: others });
    expect(result.message).to.contain('svc-0, svc-1, svc-2, svc-3, svc-4 and 3 more');
  });
});
