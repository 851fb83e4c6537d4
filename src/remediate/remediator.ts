/**
 * The remediate phase. Rollback: guards → plan → record intent in status → JSON patch with a
 * resourceVersion test → record outcome. A recorded intent is resumed, never repeated: the Deployment
 * itself says whether this incident's rollback already landed (annotation written by the same patch).
 * Query termination: dry-run list in status first, then at most N guarded terminations, each recorded.
 */
import type * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { evaluateRollbackGuards, isRollbackOptedOut, parseRollbackHistory, ROLLBACK_HISTORY_ANNOTATION } from '../decide/rollback-guards.js';
import { planRollback } from '../decide/rollback-plan.js';
import type { KubeDeployment } from '../decide/kube-types.js';
import { selectQueriesToTerminate } from '../decide/query-termination.js';
import { podTemplatesEqualIgnoringHash } from '../decide/template-equality.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import { listTerminationCandidates, terminateSession } from '../database/terminate-queries.js';
import { readDatabaseConfig } from '../diagnose/database-checks.js';
import type { Logger } from '../log.js';
import type { RemediationContext, RemediationRecord, Remediator } from '../controllers/incident-reconciler.js';
import { applyRollbackPatch, rollbackAlreadyApplied, withRollbackRecord } from './rollback-executor.js';

export interface RemediatorDeps {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  /** Called with the time the rollback patch was accepted (bench / metrics). */
  onRollback?(namespace: string, deployment: string, fromRevision: number, toRevision: number): void;
}

export class RunbookRemediator implements Remediator {
  constructor(private readonly d: RemediatorDeps) {}

  async remediate(ctx: RemediationContext): Promise<RemediationRecord> {
    const current = (ctx.status.remediation ?? { state: 'None' }) as RemediationRecord;
    if (current.state !== 'None' && current.state !== 'Intended' && current.state !== 'AwaitingApproval') return current;
    const action = ctx.diagnosis.proposal.action;
    if (action === 'Rollback') return this.rollbackToLastKnownGood(ctx, current);
    if (action === 'TerminateQueries') return this.terminateRunawayQueries(ctx, current);
    return { state: 'Skipped', reason: Reason.NothingToRemediate, message: 'nothing to remediate' };
  }

  private async rollbackToLastKnownGood(ctx: RemediationContext, current: RemediationRecord): Promise<RemediationRecord> {
    const { incident, target, now } = ctx;
    const deployment = target?.deployment;
    const uid = incident.metadata.uid ?? incident.metadata.name;
    if (!deployment) return { state: 'Failed', action: 'Rollback', reason: Reason.TargetNotFound, message: 'target Deployment not found' };
    const dName = deployment.metadata?.name ?? '';
    const ns = incident.metadata.namespace;

    // Resume a recorded intent: did our patch land before a restart?
    if (current.state === 'Intended') {
      if (rollbackAlreadyApplied(deployment, uid)) {
        return { ...current, state: 'Succeeded', reason: Reason.RolledBack, completedAt: now.toISOString(), message: `rolled back to revision ${current.toRevision} (confirmed after restart)` };
      }
    }
    const toRevision = ctx.diagnosis.proposal.toRevision ?? current.toRevision;
    if (toRevision === undefined) return { state: 'Failed', action: 'Rollback', reason: 'NoTargetRevision', message: 'no revision to roll back to' };

    const guard = evaluateRollbackGuards({
      policy: incident.spec.rollback?.policy ?? 'Automatic',
      approved: incident.spec.rollback?.approved === true,
      optOutAnnotation: isRollbackOptedOut(deployment),
      paused: deployment.spec?.paused === true,
      dryRun: this.d.config.dryRun,
      recentRollbacks: parseRollbackHistory(deployment.metadata?.annotations?.[ROLLBACK_HISTORY_ANNOTATION]),
      rateLimit: this.d.config.rollbackRateLimit,
      now,
      intentAlreadyRecorded: current.state === 'Intended' && current.intendedAt ? { toRevision, recordedAt: new Date(current.intendedAt) } : undefined,
    });
    if (!guard.allowed) {
      if (guard.reason === 'AwaitingApproval') {
        const rec: RemediationRecord = { state: 'AwaitingApproval', action: 'Rollback', reason: Reason.RollbackProposed, toRevision, message: `proposed: roll back to revision ${toRevision}; approve with kubectl incident approve-rollback ${incident.metadata.name}` };
        if (current.state !== 'AwaitingApproval') await ctx.persist(rec, { type: 'RollbackProposed', reason: Reason.RollbackProposed, message: rec.message! });
        return rec;
      }
      return { state: 'Refused', action: 'Rollback', reason: guard.reason, toRevision, message: `rollback refused (${guard.reason}): ${guard.message}` };
    }

    const plan = planRollback(deployment, target!.replicaSets, toRevision);
    if (plan.action === 'Refuse') return { state: 'Refused', action: 'Rollback', reason: plan.reason, toRevision, message: plan.message };
    if (plan.action === 'Skip') return { state: 'Skipped', action: 'Rollback', reason: Reason.RollbackSkipped, toRevision, message: plan.message, completedAt: now.toISOString() };

    // Resumed intent whose Deployment moved on: if it already runs the target template, it is done.
    const rv = deployment.metadata?.resourceVersion;
    if (current.state === 'Intended' && current.fromGeneration !== undefined && current.fromGeneration !== deployment.metadata?.generation) {
      const wanted = ownedReplicaSets(deployment, target!.replicaSets).find((r) => r.revision === toRevision);
      if (wanted && podTemplatesEqualIgnoringHash(deployment.spec?.template, wanted.replicaSet.spec?.template)) {
        return { ...current, state: 'Succeeded', reason: Reason.RolledBack, completedAt: now.toISOString(), message: `Deployment already at the template of revision ${toRevision}` };
      }
      return { state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: 'the Deployment changed after the rollback was decided; re-diagnosing' };
    }

    // Record intent before acting.
    const intent: RemediationRecord = {
      state: 'Intended', action: 'Rollback', reason: Reason.RollbackIntended, intendedAt: now.toISOString(),
      fromRevision: plan.fromRevision, toRevision: plan.toRevision, fromResourceVersion: rv, fromGeneration: deployment.metadata?.generation,
      message: `rolling back ${dName} from revision ${plan.fromRevision} to revision ${plan.toRevision}`,
    };
    if (current.state !== 'Intended') await ctx.persist(intent, { type: 'RollbackIntended', reason: Reason.RollbackIntended, message: intent.message! });
    if (this.d.config.failpoint === 'exit-after-rollback-intent') process.kill(process.pid, 'SIGKILL');

    // The resourceVersion test also fails when only the Deployment's status moved (a rollout in progress
    // updates it constantly). Then re-read and re-plan against the fresh object — its template is
    // checked again — and retry; a changed generation is a concurrent deploy: re-diagnose.
    let current_ = deployment;
    let plan_ = plan;
    let outcome = await applyRollbackPatch(this.d.apps, ns, dName, withRollbackRecord(plan_, current_, uid, now));
    for (let attempt = 0; !outcome.ok && outcome.conflict && attempt < 5; attempt++) {
      const fresh = (await this.d.apps.readNamespacedDeployment({ name: dName, namespace: ns })) as unknown as KubeDeployment;
      if (fresh.metadata?.generation !== deployment.metadata?.generation) break;
      const again = planRollback(fresh, target!.replicaSets, toRevision);
      if (again.action !== 'Patch') break;
      current_ = fresh;
      plan_ = again;
      outcome = await applyRollbackPatch(this.d.apps, ns, dName, withRollbackRecord(plan_, current_, uid, now));
    }
    if (!outcome.ok) {
      if (outcome.conflict) return { state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: `${outcome.message}; re-diagnosing` };
      throw new Error(`rollback of ${ns}/${dName}: ${outcome.message}`); // retried with backoff; intent stays recorded
    }
    this.d.onRollback?.(ns, dName, plan.fromRevision, plan.toRevision);
    this.d.log.info('rolled back', { incident: `${ns}/${incident.metadata.name}`, deployment: dName, from: plan.fromRevision, to: plan.toRevision });
    return { ...intent, state: 'Succeeded', reason: Reason.RolledBack, completedAt: new Date().toISOString(), message: `rolled back ${dName} from revision ${plan.fromRevision} to revision ${plan.toRevision}` };
  }

  private async terminateRunawayQueries(ctx: RemediationContext, current: RemediationRecord): Promise<RemediationRecord> {
    const { incident, now } = ctx;
    const db = incident.spec.database;
    if (!db?.terminateLongQueries) return { state: 'Refused', action: 'TerminateQueries', reason: 'TerminationNotEnabled', message: 'spec.database.terminateLongQueries is off' };
    if (this.d.config.dryRun) return { state: 'Refused', action: 'TerminateQueries', reason: 'DryRun', message: 'operator dry-run: no session terminated' };
    const cfg = await readDatabaseConfig(this.d.core, incident.metadata.namespace, db.secretRef.name);
    const client = new pg.Client({ ...cfg, application_name: 'incident-operator', connectionTimeoutMillis: (db.connectTimeoutSeconds ?? 5) * 1000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const threshold = db.longQueryThresholdSeconds ?? 300;
      const done = (current.terminated as unknown[] | undefined) ?? [];
      const candidates = await listTerminationCandidates(client, { thresholdSeconds: threshold });
      const selection = selectQueriesToTerminate(candidates.sessions, {
        thresholdSeconds: threshold, maxTerminations: db.maxTerminations ?? 3, alreadyTerminated: done.length, ownPid: candidates.ownPid,
      });
      const planned = selection.eligible.map((s) => ({ pid: s.pid, backendStart: s.backendStart, user: s.user, durationSeconds: s.durationSeconds, fingerprint: s.fingerprint }));
      // Dry-run list first: who would be terminated, and who is skipped and why.
      const intent: RemediationRecord = {
        state: 'Intended', action: 'TerminateQueries', reason: 'TerminationIntended', intendedAt: now.toISOString(),
        planned, skipped: selection.skipped.slice(0, 10), terminated: done,
        message: `terminating ${planned.length} quer${planned.length === 1 ? 'y' : 'ies'} older than ${threshold}s`,
      };
      await ctx.persist(intent, { type: 'TerminationIntended', reason: 'TerminationIntended', message: intent.message! });
      const terminated = [...done] as Record<string, unknown>[];
      for (const p of planned) {
        const r = await terminateSession(client, { pid: p.pid, backendStart: p.backendStart, minDurationSeconds: threshold });
        terminated.push({ ...p, result: r.reason, at: new Date().toISOString() });
      }
      const ok = terminated.filter((t) => t.result === 'Terminated').length;
      return { ...intent, state: 'Succeeded', reason: Reason.QueriesTerminated, terminated, completedAt: new Date().toISOString(), message: `terminated ${ok} of ${planned.length} long-running queries` };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
