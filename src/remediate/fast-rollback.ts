/**
 * The fast path's side effect (issue 17): ONE JSON patch of the Deployment — the rollback plan's `test` on
 * resourceVersion, the template, and the annotations that are its record (rollback-history, rolled-back-by
 * `fast:<incident>/r<to>`, runbook.dev/fast-rollback). The blast-radius slot is reserved in the slow path's
 * ledger before the patch. A failed test is told apart: the fresh Deployment already carries this record (an
 * earlier try landed: never patch again), a new generation (a concurrent deploy: the slow path decides), or only
 * its status moved (re-decided on the fresh Deployment with every guard, and patched again).
 */
import type * as k8s from '@kubernetes/client-node';
import type { Incident } from '../api/incident.js';
import type { Failpoint } from '../config.js';
import { BlastRadiusLedger, decideBlastRadius, rollbacksOnRecord, type BlastRadiusBudget } from '../decide/blast-radius.js';
import { currentFastRecord, fastMarker, withFastRecord } from '../decide/fast-rollback.js';
import type { KubeDeployment } from '../decide/kube-types.js';
import type { Logger } from '../log.js';
import type { FastActOutcome, FastDecision, FastRollbackActor } from '../ports/fast-rollback.js';
import { isPermanent, statusCode } from '../runtime/kube-errors.js';
import { applyRollbackPatch, withRollbackRecord } from './rollback-executor.js';

export interface FastRollbackDeps {
  apps: k8s.AppsV1Api;
  log: Logger;
  /** Shared with the slow path's remediator: slots granted by either count for both. */
  ledger: BlastRadiusLedger;
  budget: BlastRadiusBudget;
  deployments: () => readonly KubeDeployment[];
  /** StatefulSets in the caches: their rollbacks count toward the same cluster-wide budget. */
  statefulSets?: () => readonly { metadata?: { namespace?: string; name?: string; annotations?: Record<string, string> } }[];
  incidents: () => readonly Incident[];
  failpoint?: Failpoint;
  onRollback?(namespace: string, deployment: string, fromRevision: number, toRevision: number): void;
}

/** Patches tried when only the Deployment's status moved under the decision (it does during a rollout). */
const MAX_ATTEMPTS = 4;

export class FastRollback implements FastRollbackActor {
  constructor(private readonly d: FastRollbackDeps) {}

  budget(now: Date): { allowed: boolean; message?: string } {
    const onRecord = rollbacksOnRecord([...this.d.deployments(), ...this.d.statefulSets?.() ?? []], this.d.incidents());
    const b = decideBlastRadius({ now, budget: this.d.budget, ...onRecord, reserved: this.d.ledger.snapshot(now, this.d.budget.windowSeconds) });
    return b.allowed ? { allowed: true } : { allowed: false, message: b.message };
  }

  async act(deployment: KubeDeployment, decision: FastDecision, now: Date, redecide: (fresh: KubeDeployment) => FastDecision | undefined): Promise<FastActOutcome> {
    const ns = deployment.metadata?.namespace ?? '';
    const name = deployment.metadata?.name ?? '';
    this.d.ledger.reserve(`${ns}/${name}`, now);
    let current = deployment;
    let next = decision;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { plan, record } = next;
      const outcome = await applyRollbackPatch(this.d.apps, ns, name, withFastRecord(withRollbackRecord(plan, current, fastMarker(record.incident), now), record));
      if (outcome.ok) {
        this.d.onRollback?.(ns, name, plan.fromRevision, plan.toRevision);
        this.d.log.info('rolled back (fast path)', { deployment: `${ns}/${name}`, from: plan.fromRevision, to: plan.toRevision, incident: record.incident, attempt });
        if (this.d.failpoint === 'exit-after-fast-rollback-patch') process.kill(process.pid, 'SIGKILL');
        return { kind: 'patched' };
      }
      if (!outcome.conflict) {
        if (outcome.error !== undefined && isPermanent(outcome.error)) return { kind: 'fallback', message: `patch rejected (HTTP ${statusCode(outcome.error) ?? 'error'})` };
        throw new Error(`fast rollback of ${ns}/${name}: ${outcome.message}`); // retried: the next try re-decides from the cache
      }
      const fresh = (await this.d.apps.readNamespacedDeployment({ name, namespace: ns })) as KubeDeployment;
      if (currentFastRecord(fresh)?.incident === record.incident) return { kind: 'landed-before' };
      if (fresh.metadata?.generation !== deployment.metadata?.generation) return { kind: 'fallback', message: 'the Deployment was changed (new generation) since the decision' };
      const again = redecide(fresh);
      if (!again) return { kind: 'fallback', message: 'the guards say no on the fresh Deployment' };
      current = fresh;
      next = again;
    }
    return { kind: 'fallback', message: `resourceVersion test failed ${MAX_ATTEMPTS} times` };
  }
}
