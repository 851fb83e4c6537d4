/**
 * Maintenance windows come from the EscalationPolicy and from a Namespace annotation (free JSON anyone who may
 * annotate the Namespace writes). What reaches the MaintenanceWindow condition, the ActionSuppressed timeline
 * entry and its Event: a canary planted in a window's name, in malformed windows and in other annotation
 * values never comes back; the window's times, days and zone (checked shapes) still do.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Incident } from '../../../src/api/incident.js';
import { maintenanceStep } from '../../../src/controllers/maintenance-step.js';
import { newContext } from '../../../src/controllers/reconcile-context.js';
import { activeMaintenanceWindow, describeWindow, parseMaintenanceWindows } from '../../../src/decide/maintenance-window.js';
import type { KubeNamespace } from '../../../src/decide/kube-types.js';
import type { Caches, PolicyObject, ReadCache } from '../../../src/ports/caches.js';
import { canaryTextArb, found } from '../../harness/canaries.js';

const NOW = '2026-12-01T10:30:00Z';

function cache<T>(items: Record<string, T>): ReadCache<T> {
  return { get: (ns, name) => items[`${ns ?? ''}/${name}`], list: () => Object.values(items) };
}

const incident: Incident = {
  apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident',
  metadata: { name: 'outage', namespace: 'shop', uid: 'u1', generation: 1 },
  spec: { severity: 'P0', summary: 's', runbook: 'APIOutage', target: { kind: 'Deployment', name: 'api' } },
  status: { phase: 'Remediating' },
};

/** Windows with the canary in every free-text place; the first active one is explicit, the second weekly. */
function windows(text: string): unknown[] {
  return [
    { name: text, start: text, end: text },
    { name: text, timeZone: text, days: ['Mon', text], from: text, to: '11:00' },
    text,
    { name: text, start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z', pageP0: true, extra: text },
    { name: text, timeZone: 'Europe/Berlin', days: ['Sat', 'Sun', 'Tue'], from: '00:00', to: '23:59' },
  ];
}

describe('decide/maintenance-window: canaries in windows and annotations', () => {
  it('describeWindow and the parse errors hold no canary; an active window is still found and described', () => {
    fc.assert(fc.property(canaryTextArb, fc.constantFrom(undefined, 3), ({ canary, text }, drop) => {
      const list = windows(text).filter((_, i) => i !== drop);
      const parsed = parseMaintenanceWindows(JSON.stringify(list));
      const decision = activeMaintenanceWindow([JSON.stringify(list)], new Date(NOW));
      expect(decision.active, 'the explicit window is active').to.not.equal(undefined);
      const described = parsed.windows.map(describeWindow);
      const all = JSON.stringify({ errors: parsed.errors, described, decision: decision.errors, active: describeWindow(decision.active!) });
      expect(found(all, [canary]), all).to.deep.equal([]);
      // Still useful: the explicit window's times, or (when it is left out) the weekly one's zone.
      expect(describeWindow(decision.active!)).to.match(drop === 3 ? /Europe\/Berlin/u : /2026-12-01T10:00:00\.000Z/u);
    }));
  });

  it('a plain window name stays readable', () => {
    expect(describeWindow({ name: 'release freeze', start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T11:00:00.000Z' })).to.include('"release freeze"');
  });

  for (const where of ['Namespace annotation', 'EscalationPolicy'] as const) {
    it(`maintenanceStep (${where}): condition, timeline entry and Event carry no canary`, () => {
      fc.assert(fc.property(canaryTextArb, ({ canary, text }) => {
        const ns: KubeNamespace = { metadata: { name: 'shop', annotations: { 'runbook.dev/maintenance-windows': JSON.stringify(windows(text)), [`note.example/${'x'}`]: text } } };
        const policy: PolicyObject = { metadata: { name: 'default', namespace: 'shop' }, spec: { tiers: [], maintenanceWindows: windows(text) } };
        const caches: Caches = {
          incidents: cache({}), deployments: cache({}), replicaSets: cache({}), pods: cache({}),
          namespaces: cache(where === 'Namespace annotation' ? { '/shop': ns } : {}),
          policies: cache(where === 'EscalationPolicy' ? { 'shop/default': policy } : {}),
        };
        const ctx = newContext({ key: 'shop/outage', namespace: 'shop', name: 'outage', now: new Date(NOW), reconcileId: 'r', incident });
        expect(maintenanceStep(ctx, caches, 'ops', undefined)).to.deep.equal({ act: false, page: true });
        const all = JSON.stringify({ status: ctx.status, events: ctx.events });
        expect(all).to.include('MaintenanceWindowActive');
        expect(found(all, [canary]), all).to.deep.equal([]);
      }));
    });
  }
});
