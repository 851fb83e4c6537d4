/**
 * The reconciler's side of the fast path (issue 17). An Incident opened after a fast rollback records the
 * completed rollback from the Deployment's record (annotation runbook.dev/fast-rollback, rolled-back-by
 * `fast:<incident>/r<to>`): intent and outcome in status.remediation, timeline entries at the time of the
 * patch. The slow path never repeats it (the remediator leaves a Succeeded record alone). The diagnosis runs
 * afterwards as usual; its shared-cause evidence does not count the revision rolled back from (that is the bad
 * release, not an older revision crashing too), and its proposal is the rollback already done.
 */
import type { DiagnosisStatus } from '../api/diagnosis.js';
import { Annotation, Reason } from '../api/reasons.js';
import { currentFastRecord, diagnosisAfterFastRollback, fastRollbackRemediation, withoutRolledBackRevision } from '../decide/fast-rollback.js';
import { appendTimeline } from '../decide/status-ops.js';
import { parseTime } from '../decide/time.js';
import type { TargetSnapshot } from '../ports/target.js';
import type { ReconcileContext } from './reconcile-context.js';

/** How long an Incident that says it follows a fast rollback waits for the Deployment cache to show the record. */
export const FAST_RECORD_CACHE_WAIT_MS = 30_000;

/** 'adopted' (recorded now), 'cache-behind' (wait for the Deployment cache), or 'none'. */
export function adoptFastRollback(ctx: ReconcileContext): 'adopted' | 'cache-behind' | 'none' {
  const current = ctx.status.remediation;
  if (current?.fastPath || (current && current.state !== 'None' && current.state !== 'Intended')) return 'none';
  const record = currentFastRecord(ctx.target?.deployment);
  if (!record || record.incident !== ctx.name) {
    const claimed = ctx.incident.metadata.annotations?.[Annotation.fastRollback] !== undefined;
    const created = parseTime(ctx.incident.metadata.creationTimestamp);
    const young = created !== undefined && ctx.now.getTime() - created.getTime() < FAST_RECORD_CACHE_WAIT_MS;
    return claimed && young && !current ? 'cache-behind' : 'none';
  }
  const remediation = fastRollbackRemediation(ctx.targetName ?? '', record);
  ctx.status.remediation = remediation;
  const intent = `decided from the cache: roll back from revision ${record.fromRevision} to the verified revision ${record.toRevision} (${record.reason})`;
  for (const [type, reason, message] of [['RollbackIntended', Reason.RollbackIntended, intent], ['RolledBack', Reason.RolledBack, remediation.message ?? '']] as const) {
    ctx.status = appendTimeline(ctx.status, { time: record.at, phase: ctx.status.phase, type, reason, message });
    ctx.events.push({ type: 'Normal', reason, message });
  }
  return 'adopted';
}

/** The target the diagnosis sees: shared-cause evidence without the revision rolled back from. */
export function fastDiagnosisTarget(ctx: ReconcileContext): TargetSnapshot | undefined {
  const r = ctx.status.remediation;
  const t = ctx.target;
  if (!r?.fastPath || r.fromRevision === undefined || !t?.podHealth) return t;
  return { ...t, podHealth: withoutRolledBackRevision(t.podHealth, r.fromRevision) };
}

/** After a fast rollback: the proposal is the rollback already done, the pods as gathered. */
export function afterFastDiagnosis(ctx: ReconcileContext, d: DiagnosisStatus): DiagnosisStatus {
  const r = ctx.status.remediation;
  return r?.fastPath ? diagnosisAfterFastRollback(d, r, d.pods && ctx.target?.podHealth ? ctx.target.podHealth : undefined) : d;
}
