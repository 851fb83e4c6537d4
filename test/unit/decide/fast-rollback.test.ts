/**
 * The fast path's pure decision (issue 17): table-driven — every guard that says no keeps it off (the slow path
 * decides) — and property-based: it never acts when any guard says no, and at most once per bad revision (the
 * record its own patch writes makes the next decision say no, also on a stale cache that still shows the bad
 * template). Plus the record: round trip, malformed values, the pending-Incident rule after a restart.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  currentFastRecord, decideFastRollback, diagnosisAfterFastRollback, fastMarker, fastRollbackRemediation, FAST_ROLLBACK_ANNOTATION,
  FastPathReason, parseFastRollbackRecord, pendingFastIncident, withFastRecord, withoutRolledBackRevision,
  type FastRollbackInput, type FastRollbackRecord,
} from '../../../src/decide/fast-rollback.js';
import { diagnoseRolloutHistory } from '../../../src/decide/rollout-history.js';
import type { KubeDeployment } from '../../../src/decide/kube-types.js';
import type { JsonPatchOp } from '../../../src/decide/rollback-plan.js';
import type { DiagnosisStatus } from '../../../src/api/diagnosis.js';
import { withRollbackRecord } from '../../../src/remediate/rollback-executor.js';
import { aDeployment, aReplicaSet, aTemplate } from './rollback-fixtures.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const GOOD = aTemplate({ image: 'registry.local/api:1.0.0' });
const BAD = aTemplate({ image: 'registry.local/api:2.0.0' });
const LKG = JSON.stringify({ revision: 1, templateHash: 'h1', recordedAt: '2026-12-01T08:00:00Z' });

function deploymentWith(annotations: Record<string, string> = {}, opts: { paused?: boolean; template?: typeof BAD } = {}): KubeDeployment {
  return aDeployment({ revision: 2, template: opts.template ?? BAD, annotations: { 'runbook.dev/last-known-good': LKG, ...annotations }, ...(opts.paused ? { paused: true } : {}) });
}

function input(over: Partial<FastRollbackInput> = {}, deployment: KubeDeployment = deploymentWith()): FastRollbackInput {
  const replicaSets = [aReplicaSet(1, GOOD, { deployment }), aReplicaSet(2, BAD, { deployment })];
  return {
    enabled: true, now: NOW, incidentName: 'crashloop-api-r2', severity: 'P0', detectionMessage: '3 pod(s) of revision 2 are crash-looping',
    deployment, replicaSets, inShard: true, incidentExists: false,
    consent: { permitted: true, reason: 'Permitted', via: 'Deployment', message: 'the Deployment opted in (runbook.dev/auto-rollback=enabled)' },
    owner: { kind: 'Plain', evidence: 'no owner marks', message: 'plain' },
    maintenanceActive: false, signalsConfigured: false, dryRun: false, rateLimit: { max: 1, windowSeconds: 600 },
    history: diagnoseRolloutHistory(deployment, replicaSets),
    podHealth: { byRevision: [{ revision: 2, pods: 3, ready: 0, crashLooping: 3 }, { revision: 1, pods: 0, ready: 0, crashLooping: 0 }] },
    neighbours: { olderRevisionsFailing: [], newestRevisionOnly: [] },
    budget: { allowed: true },
    ...over,
  };
}

/** The annotations the fast patch writes, applied to the Deployment (template optionally left as it was: a stale cache). */
function applyPatch(d: KubeDeployment, ops: readonly JsonPatchOp[], applyTemplate: boolean): KubeDeployment {
  const annotations = ops.find((op) => op.path === '/metadata/annotations' && op.op !== 'test')?.value as Record<string, string> | undefined;
  const template = ops.find((op) => op.path === '/spec/template' && op.op !== 'test')?.value as NonNullable<KubeDeployment['spec']>['template'] | undefined;
  return {
    ...d,
    metadata: { ...d.metadata, ...(annotations ? { annotations: structuredClone(annotations) } : {}) },
    spec: { ...d.spec!, ...(applyTemplate && template ? { template: structuredClone(template) } : {}) },
  };
}

/** The whole patch as the adapter (src/remediate/fast-rollback.ts) sends it: rollback record, then the fast record. */
function fullPatch(i: FastRollbackInput): { ops: JsonPatchOp[]; record: FastRollbackRecord } {
  const d = decideFastRollback(i);
  if (!d.act) throw new Error(`expected to act: ${d.message}`);
  const ops = withRollbackRecord(d.plan, i.deployment, fastMarker(d.record.incident), i.now);
  return { ops: withFastRecord(ops, d.record), record: d.record };
}

describe('decide: fast rollback', () => {
  it('acts when every guard says yes, with a record naming the Incident to open', () => {
    const d = decideFastRollback(input());
    expect(d.act).to.equal(true);
    if (!d.act) return;
    expect(d.record).to.include({ incident: 'crashloop-api-r2', severity: 'P0', fromRevision: 2, toRevision: 1, fromTemplateHash: 'h2', toTemplateHash: 'h1', at: NOW.toISOString(), fromResourceVersion: '4711' });
    expect(d.plan.patch[0]).to.deep.equal({ op: 'test', path: '/metadata/resourceVersion', value: '4711' });
  });

  const table: { name: string; over?: Partial<FastRollbackInput>; deployment?: KubeDeployment; reason: string }[] = [
    { name: 'turned off', over: { enabled: false }, reason: FastPathReason.Disabled },
    { name: 'another shard', over: { inShard: false }, reason: FastPathReason.OutOfShard },
    { name: 'an Incident exists', over: { incidentExists: true }, reason: FastPathReason.IncidentExists },
    { name: 'no consent', over: { consent: { permitted: false, reason: 'NoOptIn', message: 'no opt-in' } }, reason: FastPathReason.NoConsent },
    { name: 'Argo CD owns the manifest', over: { owner: { kind: 'ArgoCD', name: 'shop', namespace: 'argocd', evidence: 'tracking-id', message: 'Argo CD' } }, reason: FastPathReason.OwnerStrategy },
    { name: 'Helm owns the manifest', over: { owner: { kind: 'Helm', name: 'shop', evidence: 'managed-by', message: 'Helm' } }, reason: FastPathReason.OwnerStrategy },
    { name: 'a maintenance window', over: { maintenanceActive: true }, reason: FastPathReason.MaintenanceWindow },
    { name: 'health signals configured', over: { signalsConfigured: true }, reason: FastPathReason.SignalsConfigured },
    { name: 'dry run', over: { dryRun: true }, reason: FastPathReason.Guard },
    { name: 'rate limited', deployment: deploymentWith({ 'runbook.dev/rollback-history': JSON.stringify([new Date(NOW.getTime() - 60_000).toISOString()]) }), reason: FastPathReason.Guard },
    { name: 'opted out of rollbacks', deployment: deploymentWith({ 'runbook.dev/rollback': 'disabled' }), reason: FastPathReason.Guard },
    { name: 'paused', deployment: deploymentWith({}, { paused: true }), reason: FastPathReason.Guard },
    { name: 'no verified revision (no last-known-good record)', deployment: aDeployment({ revision: 2, template: BAD }), reason: FastPathReason.NoVerifiedRevision },
    { name: 'older revision crash-loops too', over: { podHealth: { byRevision: [{ revision: 2, pods: 3, ready: 0, crashLooping: 3 }, { revision: 1, pods: 1, ready: 0, crashLooping: 1 }] } }, reason: FastPathReason.SharedCause },
    { name: 'neighbours crash on older revisions', over: { neighbours: { olderRevisionsFailing: ['worker'], newestRevisionOnly: [] } }, reason: FastPathReason.SharedCause },
    { name: 'blast-radius budget spent', over: { budget: { allowed: false, message: 'spent' } }, reason: FastPathReason.BudgetExhausted },
  ];
  for (const row of table) {
    it(`leaves it to the slow path: ${row.name}`, () => {
      const d = decideFastRollback(input(row.over, row.deployment));
      expect(d.act).to.equal(false);
      if (!d.act) expect(d.reason, d.message).to.equal(row.reason);
    });
  }

  it('neighbours failing on their own newest revision are no evidence', () => {
    expect(decideFastRollback(input({ neighbours: { olderRevisionsFailing: [], newestRevisionOnly: ['worker-a', 'worker-b'] } })).act).to.equal(true);
  });

  it('a last-known-good record matching no retained revision is no verified target', () => {
    const d = aDeployment({ revision: 2, template: BAD, annotations: { 'runbook.dev/last-known-good': JSON.stringify({ revision: 9, templateHash: 'nope', recordedAt: '' }) } });
    const r = decideFastRollback(input({}, d));
    expect(r.act).to.equal(false);
  });

  it('property: never acts when any guard says no', () => {
    fc.assert(fc.property(
      fc.record({ off: fc.boolean(), shard: fc.boolean(), exists: fc.boolean(), consent: fc.boolean(), owner: fc.boolean(), window: fc.boolean(), signals: fc.boolean(), dry: fc.boolean(), budget: fc.boolean(), older: fc.boolean(), neighbour: fc.boolean() }),
      (no) => {
        const d = decideFastRollback(input({
          enabled: !no.off, inShard: !no.shard, incidentExists: no.exists, maintenanceActive: no.window, signalsConfigured: no.signals, dryRun: no.dry,
          ...(no.consent ? { consent: { permitted: false, reason: 'OptedOut', message: 'opted out' } } : {}),
          ...(no.owner ? { owner: { kind: 'FluxKustomization', name: 'k', namespace: 'flux', evidence: 'labels', message: 'Flux' } } : {}),
          ...(no.budget ? { budget: { allowed: false } } : {}),
          ...(no.older ? { podHealth: { byRevision: [{ revision: 2, pods: 1, ready: 0, crashLooping: 1 }, { revision: 1, pods: 1, ready: 0, crashLooping: 1 }] } } : {}),
          ...(no.neighbour ? { neighbours: { olderRevisionsFailing: ['n'], newestRevisionOnly: [] } } : {}),
        }));
        expect(d.act).to.equal(!Object.values(no).some(Boolean));
      },
    ), { numRuns: 300 });
  });

  it('property: at most one rollback per bad revision (its own record says no, fresh or stale cache, any rate limit)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 3600 }), fc.integer({ min: 0, max: 7200 }), fc.boolean(),
      (max, windowSeconds, laterSeconds, templateApplied) => {
        const first = input({ rateLimit: { max, windowSeconds } });
        const { ops } = fullPatch(first);
        const after = applyPatch(first.deployment, ops, templateApplied);
        const again = decideFastRollback(input({ rateLimit: { max, windowSeconds }, now: new Date(NOW.getTime() + laterSeconds * 1000) }, after));
        expect(again.act, again.act ? 'acted twice' : again.message).to.equal(false);
      },
    ), { numRuns: 200 });
  });

  it('the patch carries the record next to the other annotations; the record round-trips', () => {
    const { ops, record } = fullPatch(input());
    const ann = ops.find((o) => o.path === '/metadata/annotations')!.value as Record<string, string>;
    expect(ann['runbook.dev/last-known-good']).to.equal(LKG);
    expect(parseFastRollbackRecord(ann[FAST_ROLLBACK_ANNOTATION])).to.deep.equal(record);
    expect(ops[0]!.op).to.equal('test');
  });

  it('a malformed record is never trusted', () => {
    for (const v of ['', 'null', '[]', '{"incident":"x"}', '{"incident":"x","severity":"P2","fromRevision":1,"toRevision":0,"at":"t","fromResourceVersion":"1","reason":"r"}', 'not json']) {
      expect(parseFastRollbackRecord(v), v).to.equal(undefined);
    }
  });

  describe('pending Incident after a restart', () => {
    const { ops, record } = fullPatch(input());
    const patched = applyPatch(deploymentWith(), ops, true);

    it('the record without its Incident is pending; with it, not', () => {
      expect(pendingFastIncident(patched, () => false, NOW)).to.deep.equal(record);
      expect(pendingFastIncident(patched, (n) => n === record.incident, NOW)).to.equal(undefined);
    });
    it('a later rollback by the slow path (rolled-back-by of an Incident uid) makes the record history', () => {
      const later: KubeDeployment = { ...patched, metadata: { ...patched.metadata, annotations: { ...patched.metadata?.annotations, 'runbook.dev/rolled-back-by': 'c0ffee-uid/r3' } } };
      expect(currentFastRecord(later)).to.equal(undefined);
      expect(pendingFastIncident(later, () => false, NOW)).to.equal(undefined);
    });
    it('an old record is history', () => {
      expect(pendingFastIncident(patched, () => false, new Date(NOW.getTime() + 2 * 3600_000))).to.equal(undefined);
    });
  });

  it('the Incident records intent and outcome in the slow path\'s shape; the diagnosis proposes the rollback done', () => {
    const { record } = fullPatch(input());
    const r = fastRollbackRemediation('api', record);
    expect(r).to.include({ state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', fastPath: true, fromRevision: 2, toRevision: 1, intendedAt: NOW.toISOString(), fromTemplateHash: 'h2' });
    const d = { generation: 1, completedAt: '', summary: 's', checks: [], proposal: { action: 'Escalate', reason: 'CurrentRevisionIsLastKnownGood', message: 'x' } } satisfies DiagnosisStatus;
    expect(diagnosisAfterFastRollback(d, r).proposal).to.include({ action: 'Rollback', toRevision: 1 });
    expect(withoutRolledBackRevision({ byRevision: [{ revision: 2, pods: 1, ready: 0, crashLooping: 1 }, { revision: 3, pods: 1, ready: 1, crashLooping: 0 }] }, 2).byRevision.map((b) => b.revision)).to.deep.equal([3]);
  });
});
