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
    neighbours?: { olderRevisionsFailing: string[]; newestRevisionOnly: string[] };
    breachedBefore?: boolean;
    want: Pick<SharedCauseResult, 'shared' | 'reasons'>;
    message: RegExp;
  }[] = [
    {
      name: 'only the newest revision crashes',
      byRevision: [rev(5, 2), rev(4, 0)],
      others: [],
      db: true,
      want: { shared: false, reasons: [] },
      message: /no evidence of a shared cause/,
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
      message: /no evidence of a shared cause/,
    },
    {
      name: 'one other deployment crash-looping is not enough',
      byRevision: [rev(5, 2)],
      others: ['billing'],
      want: { shared: false, reasons: [] },
      message: /no evidence of a shared cause/,
    },
    {
      name: 'two other deployments crash-looping (revisions unknown) are no evidence: judged separately',
      byRevision: [rev(5, 2)],
      others: ['search', 'billing'],
      want: { shared: false, reasons: [] },
      message: /no evidence.*2 other workload\(s\) fail on their newest revision only \(billing, search\)/,
    },
    {
      name: 'nine neighbours failing on their newest revision only: no evidence (simultaneous bad releases)',
      byRevision: [rev(2, 1), rev(1, 0)],
      others: Array.from({ length: 9 }, (_, i) => `svc-${i}`),
      neighbours: { olderRevisionsFailing: [], newestRevisionOnly: Array.from({ length: 9 }, (_, i) => `svc-${i}`) },
      want: { shared: false, reasons: [] },
      message: /9 other workload\(s\) fail on their newest revision only/,
    },
    {
      name: 'a neighbour whose older revision crash-loops too is evidence',
      byRevision: [rev(2, 1), rev(1, 0)],
      others: ['search', 'billing'],
      neighbours: { olderRevisionsFailing: ['search'], newestRevisionOnly: ['billing'] },
      want: { shared: true, reasons: ['NeighbourOlderRevisionsCrashing'] },
      message: /rule NeighbourOlderRevisionsCrashing.*\(search\)/,
    },
    {
      name: 'a signal breached before the rollout is evidence',
      byRevision: [rev(2, 1), rev(1, 0)],
      others: [],
      breachedBefore: true,
      want: { shared: true, reasons: ['SignalsBreachedBeforeRollout'] },
      message: /before the newest rollout/,
    },
    {
      name: 'duplicate names are counted once',
      byRevision: [rev(5, 2)],
      others: ['billing', 'billing'],
      want: { shared: false, reasons: [] },
      message: /no evidence of a shared cause/,
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
      neighbours: { olderRevisionsFailing: ['a', 'b', 'c'], newestRevisionOnly: [] },
      db: false,
      want: { shared: true, reasons: ['OlderRevisionsCrashing', 'NeighbourOlderRevisionsCrashing', 'DatabaseUnreachable'] },
      message: /older revision\(s\) 4, 3 .*3 other workload\(s\).*database/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = detectSharedCause(
        deepFreeze({
          podHealth: { byRevision: c.byRevision },
          otherDeploymentsCrashLooping: c.others,
          ...(c.db !== undefined ? { databaseReachable: c.db } : {}),
          ...(c.neighbours ? { neighbours: c.neighbours } : {}),
          ...(c.breachedBefore ? { signalsBreachedBeforeRollout: true } : {}),
        }),
      );
      expect({ shared: result.shared, reasons: result.reasons }).to.deep.equal(c.want);
      expect(result.message).to.match(c.message);
    });
  }

  it('bounds the list of named deployments', () => {
    const others = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    const result = detectSharedCause({ podHealth: { byRevision: [rev(2, 1)] }, otherDeploymentsCrashLooping: [], neighbours: { olderRevisionsFailing: others, newestRevisionOnly: [] } });
    expect(result.message).to.contain('svc-0, svc-1, svc-2, svc-3, svc-4 and 3 more');
  });
});
