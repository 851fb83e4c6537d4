import { expect } from 'chai';
import fc from 'fast-check';
import { detectStatefulSetCrashLoop, statefulSetCrashLoopIncidentName } from '../../../src/decide/statefulset-crashloop-detect.js';
import type { KubeStatefulSet } from '../../../src/decide/statefulset-rollback.js';
import { cr, pod, revisions, sts } from './statefulset-fixtures.js';

const selector = { label: 'runbook.dev/auto-rollback', value: 'enabled' };
const labelled = (s: KubeStatefulSet, labels: Record<string, string>): KubeStatefulSet => ({ ...s, metadata: { ...s.metadata, labels } });
const ON = { 'runbook.dev/auto-rollback': 'enabled' };
const crashing = [pod(0, 'db-h1', 'ready'), pod(1, 'db-h2', 'crashloop')];

describe('decide/statefulset-crashloop-detect', () => {
  // [case, statefulset, namespace labels, pods, open incident, expected reason]
  const cases: [string, KubeStatefulSet, Record<string, string> | undefined, ReturnType<typeof pod>[], boolean, string][] = [
    ['opted in, the update revision crash-loops', labelled(sts(), ON), undefined, crashing, false, 'CrashLoopDetected'],
    ['opted in by its Namespace', sts(), ON, crashing, false, 'CrashLoopDetected'],
    ['its own label opts out of an opted-in Namespace', labelled(sts(), { 'runbook.dev/auto-rollback': 'disabled' }), ON, crashing, false, 'NotOptedIn'],
    ['not opted in', sts(), undefined, crashing, false, 'NotOptedIn'],
    ['an Incident is already open', labelled(sts(), ON), undefined, crashing, true, 'IncidentAlreadyOpen'],
    ['only an older revision crashes', labelled(sts(), ON), undefined, [pod(0, 'db-h1', 'crashloop'), pod(1, 'db-h2', 'ready')], false, 'NoCrashLoop'],
    ['a first rollout with nothing older', labelled(sts({ update: 'db-h1' }), ON), undefined, [pod(0, 'db-h1', 'crashloop')], false, 'NoCrashLoop'],
  ];
  for (const [name, s, nsLabels, pods, open, want] of cases) {
    it(name, () => {
      const d = detectStatefulSetCrashLoop({ statefulSet: s, revisions, pods, namespaceLabels: nsLabels, optInSelector: selector, openIncidentExists: open });
      expect(d.reason, d.message).to.equal(want);
    });
  }

  it('names the Incident per StatefulSet and revision, P1 while a replica is ready, P0 when none is', () => {
    const d = detectStatefulSetCrashLoop({ statefulSet: labelled(sts(), ON), revisions, pods: crashing, optInSelector: selector, openIncidentExists: false });
    expect(d).to.deep.include({ open: true, incidentName: 'crashloop-sts-db-r2', severity: 'P1', revision: 2, crashingPods: ['db-1'] });
    const none = detectStatefulSetCrashLoop({ statefulSet: labelled(sts({ ready: 0 }), ON), revisions, pods: crashing, optInSelector: selector, openIncidentExists: false });
    expect(none).to.deep.include({ severity: 'P0' });
  });

  it('property: opens only for crash-looping pods of the update revision, with a valid DNS-1123 name', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.boolean()), { maxLength: 6 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,70}[a-z0-9]$/), (n, specs, stsName) => {
      const revs = Array.from({ length: n }, (_, i) => cr(i + 1, `db:${i + 1}`));
      const pods = specs.filter(([r]) => r <= n).map(([r, bad], i) => pod(i, `db-h${r}`, bad ? 'crashloop' : 'ready'));
      const d = detectStatefulSetCrashLoop({ statefulSet: labelled(sts({ update: `db-h${n}` }), ON), revisions: revs, pods, optInSelector: selector, openIncidentExists: false });
      const updateCrashing = pods.some((p, i) => specs.filter(([r]) => r <= n)[i]?.[0] === n && p.status?.containerStatuses?.[0]?.state?.waiting);
      expect(d.open).to.equal(n > 1 && updateCrashing);
      const incidentName = statefulSetCrashLoopIncidentName(stsName, n);
      expect(incidentName.length).to.be.at.most(63);
      expect(incidentName).to.match(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }), { numRuns: 200 });
  });
});
