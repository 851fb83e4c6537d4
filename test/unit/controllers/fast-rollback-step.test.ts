/**
 * The reconciler's side of the fast path (issue 17): an Incident opened after a fast rollback records the
 * completed rollback from the Deployment's record once (intent and outcome, two timeline entries at the patch
 * time), never for another Incident, waits briefly for a Deployment cache that does not show the record yet, and
 * its diagnosis proposes the rollback done without counting the rolled-back revision as shared-cause evidence.
 */
import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import type { DiagnosisStatus } from '../../../src/api/diagnosis.js';
import { adoptFastRollback, afterFastDiagnosis, fastDiagnosisTarget } from '../../../src/controllers/fast-rollback-step.js';
import { newContext } from '../../../src/controllers/reconcile-context.js';
import { FAST_ROLLBACK_ANNOTATION, fastMarker, type FastRollbackRecord } from '../../../src/decide/fast-rollback.js';
import type { TargetSnapshot } from '../../../src/ports/target.js';
import { aDeployment } from '../decide/rollback-fixtures.js';

const PATCHED_AT = '2026-12-01T09:00:00.000Z';
const record: FastRollbackRecord = {
  incident: 'crashloop-api-r2', severity: 'P0', fromRevision: 2, toRevision: 1, fromTemplateHash: 'h2', toTemplateHash: 'h1',
  at: PATCHED_AT, fromResourceVersion: '4711', fromGeneration: 2, reason: '3 pod(s) of revision 2 are crash-looping',
  consent: { via: 'Deployment', message: 'the Deployment opted in' },
};

function target(rec: FastRollbackRecord | undefined): TargetSnapshot {
  const annotations: Record<string, string> = rec ? { [FAST_ROLLBACK_ANNOTATION]: JSON.stringify(rec), 'runbook.dev/rolled-back-by': `${fastMarker(rec.incident)}/r${rec.toRevision}` } : {};
  return {
    deployment: aDeployment({ revision: 3, annotations }), replicaSets: [], pods: [], healthy: false, summary: '',
    podHealth: { desired: 3, ready: 0, available: 0, total: 3, byRevision: [{ revision: 3, pods: 1, ready: 0, crashLooping: 0 }, { revision: 2, pods: 2, ready: 0, crashLooping: 2 }], pods: [], omittedPods: 0, waitingReasons: {}, crashLoopingPods: 2, summary: '' },
  };
}

function ctxFor(name: string, t: TargetSnapshot, opts: { claimed?: boolean; createdAgoMs?: number } = {}) {
  const now = new Date(Date.parse(PATCHED_AT) + 1000);
  const incident: Incident = {
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, generation: 1, resourceVersion: '1',
      creationTimestamp: new Date(now.getTime() - (opts.createdAgoMs ?? 500)).toISOString(),
      ...(opts.claimed ? { annotations: { [FAST_ROLLBACK_ANNOTATION]: JSON.stringify(record) } } : {}),
    },
    spec: { severity: 'P0', summary: 's', runbook: 'CrashLoop', target: { name: 'api' } },
    status: { phase: 'Pending' },
  };
  const ctx = newContext({ key: `ns/${name}`, namespace: 'ns', name, now, reconcileId: 'r', incident });
  ctx.target = t;
  return ctx;
}

describe('controllers: fast-rollback step', () => {
  it('records the completed rollback once, at the time of the patch', () => {
    const ctx = ctxFor(record.incident, target(record), { claimed: true });
    expect(adoptFastRollback(ctx)).to.equal('adopted');
    expect(ctx.status.remediation).to.include({ state: 'Succeeded', action: 'Rollback', fastPath: true, fromRevision: 2, toRevision: 1, intendedAt: PATCHED_AT, completedAt: PATCHED_AT });
    expect(ctx.status.timeline?.map((e) => [e.type, e.time])).to.deep.equal([['RollbackIntended', PATCHED_AT], ['RolledBack', PATCHED_AT]]);
    expect(adoptFastRollback(ctx), 'a second reconcile adds nothing').to.equal('none');
    expect(ctx.status.timeline).to.have.length(2);
  });

  it('never for another Incident, nor over a recorded outcome', () => {
    const other = ctxFor('outage', target(record));
    expect(adoptFastRollback(other)).to.equal('none');
    expect(other.status.remediation).to.equal(undefined);
    const refused = ctxFor(record.incident, target(record));
    refused.status.remediation = { state: 'Refused', reason: 'RateLimited' };
    expect(adoptFastRollback(refused)).to.equal('none');
    expect(refused.status.remediation.state).to.equal('Refused');
  });

  it('waits for a Deployment cache that does not show the record yet, but not for ever', () => {
    expect(adoptFastRollback(ctxFor(record.incident, target(undefined), { claimed: true }))).to.equal('cache-behind');
    expect(adoptFastRollback(ctxFor(record.incident, target(undefined), { claimed: true, createdAgoMs: 60_000 }))).to.equal('none');
    expect(adoptFastRollback(ctxFor(record.incident, target(undefined))), 'not claimed: the slow path').to.equal('none');
  });

  it('the diagnosis: no shared-cause evidence from the revision rolled back from; the proposal is the rollback done', () => {
    const ctx = ctxFor(record.incident, target(record), { claimed: true });
    adoptFastRollback(ctx);
    expect(fastDiagnosisTarget(ctx)?.podHealth?.byRevision.map((r) => r.revision)).to.deep.equal([3]);
    const d: DiagnosisStatus = { generation: 1, completedAt: '', summary: '', checks: [], pods: fastDiagnosisTarget(ctx)!.podHealth!, proposal: { action: 'Escalate', reason: 'CurrentRevisionIsLastKnownGood', message: '' } };
    const after = afterFastDiagnosis(ctx, d);
    expect(after.proposal).to.include({ action: 'Rollback', toRevision: 1 });
    expect(after.pods?.byRevision.map((r) => r.revision), 'the record keeps every revision').to.deep.equal([3, 2]);
  });
});
