import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { loadConfig } from '../../../src/config.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import { HealthyWindows, recordingWanted } from '../../../src/controllers/known-good-recording.js';

function cache<T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]): ReadCache<T> {
  return {
    get: (ns, name) => items.find((i) => (ns === undefined || i.metadata?.namespace === ns) && i.metadata?.name === name),
    list: (ns) => items.filter((i) => ns === undefined || i.metadata?.namespace === ns),
  };
}
const incident = (name: string, target: string, kind?: 'Deployment' | 'StatefulSet', phase?: string): Incident => ({
  metadata: { name, namespace: 'shop' }, spec: { severity: 'P2', summary: 's', target: { name: target, ...(kind ? { kind } : {}) } }, ...(phase ? { status: { phase } } : {}),
} as Incident);
const caches = (incidents: Incident[], nsLabels?: Record<string, string>): Caches => ({
  incidents: cache(incidents), deployments: cache([]), replicaSets: cache([]), pods: cache([]), policies: cache([]),
  namespaces: cache([{ metadata: { name: 'shop', labels: nsLabels ?? {} } }]),
});
const config = loadConfig({});

describe('controllers/known-good-recording: which workloads the recorders record', () => {
  const cases: Array<[string, Caches, 'Deployment' | 'StatefulSet', Record<string, string> | undefined, boolean]> = [
    ['opted in on the workload (auto-rollback)', caches([]), 'Deployment', { 'runbook.dev/auto-rollback': 'enabled' }, true],
    ['opted in on the workload (remediation)', caches([]), 'StatefulSet', { 'runbook.dev/remediation': 'enabled' }, true],
    ['opted in on the Namespace', caches([], { 'runbook.dev/remediation': 'enabled' }), 'Deployment', {}, true],
    ['an open Incident targets it', caches([incident('i', 'db', 'StatefulSet', 'Monitoring')]), 'StatefulSet', {}, true],
    ['an open Incident without a kind targets a Deployment', caches([incident('i', 'db')]), 'Deployment', {}, true],
    ['an open Incident about a StatefulSet of the same name is not about the Deployment', caches([incident('i', 'db', 'StatefulSet')]), 'Deployment', {}, false],
    ['a resolved Incident does not count', caches([incident('i', 'db', 'StatefulSet', 'Resolved')]), 'StatefulSet', {}, false],
    ['nothing: not recorded', caches([]), 'Deployment', { app: 'db' }, false],
  ];
  for (const [name, c, kind, labels, want] of cases) it(name, () => expect(recordingWanted(c, config, 'shop', 'db', kind, labels)).to.equal(want));

  it('HealthyWindows: the window starts when a state is first seen and again when the state changes or is forgotten', () => {
    const w = new HealthyWindows();
    const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 3, 0, s));
    expect(w.since('shop/db', 'u/1/r1', t(0))).to.deep.equal(t(0));
    expect(w.since('shop/db', 'u/1/r1', t(30))).to.deep.equal(t(0));
    expect(w.since('shop/db', 'u/2/r2', t(40))).to.deep.equal(t(40));
    w.forget('shop/db');
    expect(w.since('shop/db', 'u/2/r2', t(50))).to.deep.equal(t(50));
  });
});
