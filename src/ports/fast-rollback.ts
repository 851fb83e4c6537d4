/** Port: the crash-loop rollback's fast path as the crash-loop detector drives it (issue 17). */
import type { FastRollbackRecord, PatchPlan } from '../decide/fast-rollback.js';
import type { KubeDeployment } from '../decide/kube-types.js';

/** What became of the one patch. */
export type FastActOutcome =
  /** The patch landed: the Deployment carries the record. */
  | { kind: 'patched' }
  /** The resourceVersion test failed, and the fresh Deployment already carries this record (an earlier try landed). */
  | { kind: 'landed-before' }
  /** Not done (a concurrent deploy, the guards say no on the fresh Deployment, a permanent rejection): the slow path decides. */
  | { kind: 'fallback'; message: string };

/** What the pure decision chose: the plan and the record its patch carries. */
export interface FastDecision { plan: PatchPlan; record: FastRollbackRecord }

export interface FastRollbackActor {
  /** The cluster-wide blast-radius budget right now (the slow path's ledger, annotations and recorded intents). */
  budget(now: Date): { allowed: boolean; message?: string };
  /**
   * Reserves the budget slot and sends the one JSON patch (test on resourceVersion) carrying the record. A failed
   * test (often only the Deployment's status moved) is re-decided on the fresh Deployment by `redecide` (undefined:
   * the guards say no now) and retried; a new generation (a concurrent deploy) goes to the slow path.
   */
  act(deployment: KubeDeployment, decision: FastDecision, now: Date, redecide: (fresh: KubeDeployment) => FastDecision | undefined): Promise<FastActOutcome>;
}
