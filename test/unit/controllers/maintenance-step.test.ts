import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { maintenanceStep } from '../../../src/controllers/maintenance-step.js';
import { newContext } from '../../../src/controllers/reconcile-context.js';
import type { Caches, PolicyObject, ReadCache } from '../../../src/ports/caches.js';
import type { KubeNamespace } from '../../../src/decide/kube-types.js';

function cache<T>(items: Record<string, T>): ReadCache<T> {
  return { get: (ns, name) => items[`${ns ?? ''}/${name}`], list: () => Object.values(items) };
}

function caches(policies: Record<string, PolicyObject>, namespaces: Record<string, KubeNamespace>): Caches {
  return { incidents: cache({}), deployments: cache({}), replicaSets: cache({}), pods: cache({}), namespaces: cache(namespaces), policies: cache(policies) };
}

const incident = (severity: 'P0' | 'P1', phase = 'Remediating'): Incident => ({
  apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident',
  metadata: { name: 'outage', namespace: 'shop', uid: 'u1', generation: 1 },
  spec: { severity, summary: 's', runbook: 'APIOutage', target: { kind: 'Deployment', name: 'api' } },
  status: { phase: phase as 'Remediating' },
});

const ctxAt = (inc: Incident, iso: string) => newContext({ key: 'shop/outage', namespace: 'shop', name: 'outage', now: new Date(iso), reconcileId: 'r', incident: inc });
const freeze = [{ name: 'freeze', start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z', pageP0: true }];

describe('controllers/maintenance-step', () => {
  it('the namespace default policy window holds back acting and paging, said in a condition and one timeline entry', () => {
    const c = caches({ 'shop/default': { metadata: { name: 'default', namespace: 'shop' }, spec: { tiers: [], maintenanceWindows: freeze } } }, {});
    const ctx = ctxAt(incident('P1'), '2026-12-01T10:30:00Z');
    expect(maintenanceStep(ctx, c, 'ops', undefined)).to.deep.equal({ act: false, page: false });
    expect(ctx.status.conditions?.find((x) => x.type === 'MaintenanceWindow')).to.include({ status: 'True', reason: 'MaintenanceWindowActive' });
    expect(ctx.status.timeline?.map((t) => t.type)).to.deep.equal(['ActionSuppressed']);
    expect(ctx.events[0]).to.include({ type: 'Warning', reason: 'MaintenanceWindowActive' });
    expect(ctx.requeue).to.deep.equal([30_000]);
    // The next reconcile inside the window adds no second entry.
    const again = ctxAt({ ...incident('P1'), status: ctx.status }, '2026-12-01T10:59:59.950Z');
    maintenanceStep(again, c, 'ops', undefined);
    expect(again.status.timeline?.filter((t) => t.type === 'ActionSuppressed')).to.have.length(1);
    expect(again.requeue[0]).to.equal(150); // re-checked right after the end
  });

  it('P0 pages when the window allows it; after the window the incident proceeds (condition False, entry)', () => {
    const ns: KubeNamespace = { metadata: { name: 'shop', annotations: { 'runbook.dev/maintenance-windows': JSON.stringify(freeze) } } };
    const c = caches({}, { '/shop': ns });
    const ctx = ctxAt(incident('P0'), '2026-12-01T10:30:00Z');
    expect(maintenanceStep(ctx, c, 'ops', undefined)).to.deep.equal({ act: false, page: true });
    const after = ctxAt({ ...incident('P0'), status: ctx.status }, '2026-12-01T11:00:00Z');
    expect(maintenanceStep(after, c, 'ops', undefined)).to.deep.equal({ act: true, page: true });
    expect(after.status.conditions?.find((x) => x.type === 'MaintenanceWindow')).to.include({ status: 'False', reason: 'MaintenanceWindowEnded' });
    expect(after.status.timeline?.map((t) => t.type)).to.include('MaintenanceWindowEnded');
  });
});
