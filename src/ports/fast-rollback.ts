/** Port: the crash-loop rollback's fast path as the crash-loop detector drives it (issue 17). */
import type { FastRollbackRecord, PatchPlan } from '../decide/fast-rollback.js';
import type { KubeDeployment } from '../decide/kube-types.js';

/** What became of the one patch. */
export type FastActOutcome =
  /** The patch landed: the Deployment carries the record. */
  | { kind: 'patched' }
  /** The resourceVersion test failed, and the fresh Deployment already carries this record (an earlier try landed). */
  | { kind: 'landed-before' }
  /** Not done (conflict with another change, a permanent rejection): the slow path decides. */
  | { kind: 'fallback'; message: string };

export interface FastRollbackActor {
  /** The cluster-wide blast-radius budget right now (the slow path's ledger, annotations and recorded intents). */
  budget(now: Date): { allowed: boolean; message?: string };
  /** Reserves the budget slot and sends the one JSON patch (test on resourceVersion) carrying the record. */
  act(deployment: KubeDeployment, plan: PatchPlan, record: FastRollbackRecord, now: Date): Promise<FastActOutcome>;
}
