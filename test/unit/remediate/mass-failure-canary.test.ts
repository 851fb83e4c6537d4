/**
 * The MassFailure Incident lists `namespace/deployment` of every Incident held back by the blast-radius
 * budget, and merges the list already in its description (which anyone who may edit the Incident can
 * change). Only Kubernetes names pass: a canary in a target name or planted in the open Incident's
 * description never reaches the new description, the summary or the operator's log.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import type { Incident } from '../../../src/api/incident.js';
import type { IncidentClient } from '../../../src/kube/incident-client.js';
import { createLogger } from '../../../src/log.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import { massFailureDescription, reportMassFailure, waitingForBudget } from '../../../src/remediate/mass-failure.js';
import { isDns1123Subdomain } from '../../../src/intake/alertmanager.js';
import { canaryTextArb, found } from '../../harness/canaries.js';

function cache<T>(items: T[]): ReadCache<T> {
  return { get: () => undefined, list: () => items };
}

const held = (ns: string, name: string, target: string): Incident => ({
  metadata: { name, namespace: ns }, spec: { severity: 'P1', summary: 's', target: { kind: 'Deployment', name: target } },
  status: { phase: 'Remediating', remediation: { state: 'Skipped', reason: 'BlastRadiusBudgetExhausted' } },
});

function harness(incidents: Incident[]) {
  const created: Incident[] = [];
  const patched: unknown[] = [];
  let logged = '';
  const client = {
    create: async (i: Incident) => { created.push(i); return i; },
    patchMetadataAndSpec: async (_ns: string, _n: string, patch: unknown) => { patched.push(patch); return undefined; },
  } as unknown as IncidentClient;
  const caches = { incidents: cache(incidents), deployments: cache([]), replicaSets: cache([]), pods: cache([]), namespaces: cache([]), policies: cache([]) } as unknown as Caches;
  const log = createLogger('debug', new Writable({ write: (c: Buffer, _e, cb) => { logged += c.toString(); cb(); } }));
  return { deps: { incidents: client, caches, log }, created, patched, get logged() { return logged; } };
}

describe('remediate/mass-failure: only Kubernetes names in the list', () => {
  it('a canary in a held-back Incident\'s target name is not listed; real names are', async () => {
    await fc.assert(fc.asyncProperty(canaryTextArb, async ({ canary, text }) => {
      const h = harness([held('shop', 'a', 'checkout'), held('shop', 'b', `${text} x`), held(`ns ${text}`, 'c', 'api')]);
      expect(waitingForBudget(h.deps.caches, 'shop/cart')).to.include.members(['shop/cart', 'shop/checkout']);
      await reportMassFailure(h.deps, 'ops', 'cart', '2 per 5m', 'mass-failure');
      const all = JSON.stringify({ created: h.created, log: h.logged });
      expect(h.created).to.have.length(1);
      expect(found(all, [canary]), all).to.deep.equal([]);
      expect(h.created[0]!.spec.description).to.include('ops/cart').and.include('shop/checkout');
    }));
  });

  it('canaries planted in the open MassFailure Incident\'s description are not merged into the new list', async () => {
    await fc.assert(fc.asyncProperty(canaryTextArb, async ({ canary, text: raw }) => {
      // A Kubernetes name is listed as is (that is the list's point): the planted text is never one.
      const text = isDns1123Subdomain(raw) ? `Patient ${raw}` : raw;
      const open: Incident = {
        metadata: { name: 'mass-failure', namespace: 'ops', labels: { 'runbook.dev/created-by': 'mass-failure' } },
        spec: { severity: 'P1', summary: 's', runbook: 'MassFailure', description: `${massFailureDescription(['shop/checkout'], '2 per 5m')}, ${text}/x, shop/${text}, a/b ${text}` },
        status: { phase: 'Escalated' },
      };
      const h = harness([open, held('shop', 'a', 'checkout')]);
      await reportMassFailure(h.deps, 'ops', 'cart', '2 per 5m', 'mass-failure');
      expect(h.patched).to.have.length(1);
      const all = JSON.stringify({ patched: h.patched, log: h.logged });
      expect(found(all, [canary]), all).to.deep.equal([]);
      expect(all).to.include('ops/cart').and.include('shop/checkout');
    }));
  });
});
