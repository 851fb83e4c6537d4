/**
 * The Incident controller's reconcile: level-based, from the cache, as named steps over one context
 * (Argo Rollouts style): open → person actions → gather → diagnose → remediate → phase → SLA →
 * escalate → write status (only when changed) → Events → deliver. Every phase transition comes from
 * decidePhase; side effects that change the world record their intent in status before acting (the
 * remediator asks for that write, the reconciler does it).
 */
import { randomUUID } from 'node:crypto';
import { jsonClone, type Incident, type IncidentStatus, type Phase } from '../api/incident.js';
import { ConditionType, Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { jsonEqual } from '../decide/status-ops.js';
import type { Clock } from '../runtime/clock.js';
import { splitKey, TerminalError, type ReconcileResult } from '../runtime/work-queue.js';
import { isConflict, isNotFound, isPermanent } from '../runtime/kube-errors.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import { diagnosisFindings } from '../diagnose/findings.js';
import type { Caches } from '../ports/caches.js';
import type { CheckDatabaseHealthy, Diagnose, TargetVersion } from '../ports/diagnosis.js';
import type { Escalator } from '../ports/escalation.js';
import type { Remediator } from '../ports/remediation.js';
import type { EvaluateSignals } from '../ports/signals.js';
import { combineVerdicts } from '../decide/health-signals.js';
import { signalsWorthWriting } from '../decide/signals-persistence.js';
import type { SignalsStatus } from '../api/signals.js';
import { advancePhase, applyAcknowledgement, openIncident, slaConditions, targetConditions, type PhaseSettings } from './incident-steps.js';
import { condition, isTerminal, newContext, note, requeueAfter, type ReconcileContext } from './reconcile-context.js';
import { postmortemStep } from './postmortem-step.js';
import { crashLoopingNeighbours, snapshotTarget } from './target-snapshot.js';
import { neighbourEvidence } from './neighbour-evidence.js';
import { snapshotStatefulSet } from './statefulset-snapshot.js';
import { confirmTargetLive } from './target-freshness.js';
import { maintenanceStep } from './maintenance-step.js';
import { adoptFastRollback, afterFastDiagnosis, fastDiagnosisTarget } from './fast-rollback-step.js';
import { errorMessage } from '../decide/errors.js';

export interface IncidentReconcilerDeps {
  clock: Clock;
  config: OperatorConfig;
  log: Logger;
  caches: Caches;
  incidents: IncidentClient;
  events: EventRecorder;
  diagnose: Diagnose;
  remediator: Remediator;
  escalator?: Escalator;
  /** Live resourceVersion of the target: confirms cache misses and the cache's freshness before a diagnosis. */
  targetVersion?: TargetVersion;
  checkDatabaseHealthy?: CheckDatabaseHealthy;
  /** Health signals (issue 14): evaluated at most every SIGNAL_INTERVAL_MS outside diagnosis (diagnosis records its own). */
  evaluateSignals?: EvaluateSignals;
  onPhase?(incident: Incident, from: Phase | undefined, to: Phase): void;
  /** Called after every successful status write (e.g. the durable incident log, metrics) with the status it replaced; must not throw. */
  onStatusWritten?(incident: Incident, before: IncidentStatus | undefined): void;
  /** A rollback waits for a blast-radius slot (issue 15): report it on the one MassFailure Incident. */
  onBudgetExhausted?(namespace: string, deployment: string, now: Date): Promise<void>;
}

/** Intent writes one reconcile may ask for (a termination per session at most, plus the plan). */
const MAX_REMEDIATION_STEPS = 16;

export class IncidentReconciler {
  /** The last object this reconciler wrote per key: newer than the cache until the watch catches up. */
  private readonly written = new Map<string, Incident>();
  /** Per key: since when the target's cache has been seen behind the API server before a diagnosis. */
  private readonly behind = new Map<string, Date>();
  /** Per key: the latest signals evaluation (status holds the latest one worth writing: decide/signals-persistence.ts). */
  private readonly signalMemory = new Map<string, { uid: string | undefined; signals: SignalsStatus }>();

  constructor(private readonly d: IncidentReconcilerDeps) {}

  /** One reconcile of `namespace/name`; permanent API rejections (4xx other than conflict) are not retried. */
  reconcile = async (key: string): Promise<ReconcileResult> => {
    try {
      return await this.reconcileSteps(key);
    } catch (e) {
      if (isNotFound(e)) { this.written.delete(key); return; } // deleted while we worked
      if (isPermanent(e)) throw new TerminalError(`incident ${key}: ${errorMessage(e)}`, { cause: e });
      throw e;
    }
  };

  private async reconcileSteps(key: string): Promise<ReconcileResult> {
    const ctx = this.load(key);
    if (!ctx) return;
    openIncident(ctx, this.d.escalator, { acknowledgeMinutes: this.d.config.acknowledgeMinutes, responseMinutes: this.d.config.responseMinutes });
    applyAcknowledgement(ctx);
    if (await this.gather(ctx) === 'cache-behind') return { requeueAfterMs: 250 };
    // Opened after a fast rollback (issue 17): record the rollback done, never repeat it.
    if (adoptFastRollback(ctx) === 'cache-behind') return { requeueAfterMs: 200 };
    // While monitoring, the database is re-checked before any phase decision: the diagnosis's verdict is from before
    // the remediation and, used by the first decision, reset the healthy streak on every reconcile (never Resolved).
    await this.checkDatabaseWhileMonitoring(ctx);
    advancePhase(ctx, this.phaseSettings()); // Pending → Diagnosing
    await this.diagnose(ctx);
    await this.checkSignals(ctx);
    const decision = advancePhase(ctx, this.phaseSettings());
    // Maintenance window / freeze (issue 15): diagnosis recorded, no remediation, no paging (P0 only if allowed).
    const maintenance = maintenanceStep(ctx, this.d.caches, this.d.config.operatorNamespace, this.d.config.escalationPolicy);
    if (decision.phase === 'Remediating' && maintenance.act) {
      await this.remediate(ctx);
      advancePhase(ctx, this.phaseSettings());
    }
    slaConditions(ctx);
    postmortemStep(ctx, this.d.config.postmortem);
    await this.releaseOwner(ctx);
    if (maintenance.page) await this.escalate(ctx);
    await this.write(ctx);
    await this.deliver(ctx);
    return requeueAfter(ctx);
  }

  private phaseSettings(): PhaseSettings {
    return { monitorWindowSeconds: this.d.config.monitorWindowSeconds, monitorTimeoutSeconds: this.d.config.rollbackTimeoutSeconds, symptomsRequireSignals: this.d.config.signals.symptomsRequireSignals };
  }

  /** load: the newest copy of the Incident (our own last write when the cache has not caught up). */
  private load(key: string): ReconcileContext | undefined {
    const { namespace, name } = splitKey(key);
    const cached = this.d.caches.incidents.get(namespace, name);
    if (!cached) { this.written.delete(key); this.behind.delete(key); this.signalMemory.delete(key); return undefined; }
    const mine = this.written.get(key);
    let incident = cached;
    if (mine && mine.metadata.uid === cached.metadata.uid && Number(mine.metadata.resourceVersion) > Number(cached.metadata.resourceVersion)) incident = mine;
    else this.written.delete(key);
    const ctx = newContext({ key, namespace, name, now: this.d.clock.now(), reconcileId: randomUUID().slice(0, 8), incident });
    ctx.diagnosis = ctx.status.diagnosis;
    return ctx;
  }

  /** gather: the target from the caches; a cache miss is confirmed with a live read before "not found". */
  private async gather(ctx: ReconcileContext): Promise<'ok' | 'cache-behind'> {
    const name = ctx.targetName;
    if (!name || isTerminal(ctx.status.phase)) return 'ok';
    // Target kind (issue 15): a Deployment, or a StatefulSet (src/controllers/statefulset-snapshot.ts).
    const kind = ctx.incident.spec.target?.kind ?? 'Deployment';
    if (kind !== 'Deployment' && kind !== 'StatefulSet') {
      ctx.target = { replicaSets: [], pods: [], healthy: false, summary: `target kind ${String(kind)} is not supported (Deployment or StatefulSet)` };
      targetConditions(ctx, ctx.target);
      return 'ok';
    }
    const threshold = this.d.config.crashLoopRestartThreshold;
    const target = kind === 'StatefulSet' ? snapshotStatefulSet(this.d.caches, ctx.namespace, name, threshold) : snapshotTarget(this.d.caches, ctx.namespace, name, threshold);
    if (await confirmTargetLive(ctx, target, kind, { targetVersion: this.d.targetVersion, behind: this.behind }) === 'cache-behind') {
      this.d.log.debug('target cache behind the API server', { incident: ctx.key, target: name });
      return 'cache-behind';
    }
    ctx.target = target;
    targetConditions(ctx, target);
    return 'ok';
  }

  /** diagnose: once per generation while Diagnosing; one Event per finding. */
  private async diagnose(ctx: ReconcileContext): Promise<void> {
    if (ctx.status.phase !== 'Diagnosing') return;
    if (ctx.diagnosis && ctx.diagnosis.generation === (ctx.generation ?? 0)) return;
    const threshold = this.d.config.crashLoopRestartThreshold;
    const kind = ctx.incident.spec.target?.kind ?? 'Deployment';
    const n = ctx.targetName ? crashLoopingNeighbours(this.d.caches, ctx.namespace, { kind, name: ctx.targetName }, threshold) : { deployments: [], statefulSets: [] };
    const others = n.deployments;
    const neighbours = neighbourEvidence(this.d.caches, ctx.namespace, others, threshold, n.statefulSets);
    const diagnosis = afterFastDiagnosis(ctx, await this.d.diagnose(ctx.incident, fastDiagnosisTarget(ctx), others, neighbours));
    if (ctx.cacheNote) diagnosis.checks.push({ name: 'cacheFreshness', ok: false, durationMs: 0, error: ctx.cacheNote });
    ctx.diagnosis = diagnosis;
    ctx.status.diagnosis = diagnosis;
    condition(ctx, { type: ConditionType.Diagnosed, status: 'True', reason: Reason.DiagnosisComplete, message: diagnosis.summary });
    note(ctx, { type: 'Diagnosed', reason: Reason.DiagnosisComplete, message: diagnosis.summary });
    ctx.events.push(...diagnosisFindings(diagnosis));
    const p = diagnosis.proposal;
    if (p.action === 'Rollback' || p.action === 'TerminateQueries') note(ctx, { type: 'RemediationProposed', reason: p.reason, message: p.message });
  }

  /** monitor (database): the diagnosis is old by now, so a database incident's health is checked afresh. */
  private async checkDatabaseWhileMonitoring(ctx: ReconcileContext): Promise<void> {
    if (ctx.status.phase !== 'Monitoring' || ctx.targetName || !ctx.incident.spec.database || !this.d.checkDatabaseHealthy) return;
    const check = await this.d.checkDatabaseHealthy(ctx.incident);
    ctx.databaseHealthy = check.healthy;
    condition(ctx, {
      type: ConditionType.DatabaseHealthy, status: check.healthy ? 'True' : 'False',
      reason: check.healthy ? Reason.NoLongRunningQueries : Reason.DatabaseUnhealthy, message: check.summary,
    });
    ctx.requeue.push(15_000);
  }

  /**
   * signals: the diagnosis's verdicts become status.signals; afterwards (Monitoring, Escalated) the signals
   * are evaluated afresh at most once per SIGNAL_INTERVAL_MS, and the incident is requeued at that interval.
   */
  private async checkSignals(ctx: ReconcileContext): Promise<void> {
    if (!this.d.evaluateSignals || isTerminal(ctx.status.phase)) { this.signalMemory.delete(ctx.key); return; }
    const fromDiagnosis = ctx.diagnosis?.signals;
    if (ctx.status.phase === 'Diagnosing' || ctx.status.phase === 'Pending' || ctx.status.phase === 'Remediating') {
      if (fromDiagnosis && !ctx.status.signals) ctx.status.signals = fromDiagnosis;
      return;
    }
    const interval = this.d.config.signals.intervalMs;
    const remembered = this.signalMemory.get(ctx.key);
    const latest = remembered && remembered.uid === ctx.incident.metadata.uid ? remembered.signals : undefined;
    const last = latest ?? ctx.status.signals ?? fromDiagnosis;
    const age = last ? ctx.now.getTime() - Date.parse(last.evaluatedAt) : Infinity;
    let evaluatedAt = last?.evaluatedAt;
    if (!(age < interval)) {
      const next = await this.d.evaluateSignals(ctx.incident, ctx.target?.deployment?.metadata?.annotations, last, ctx.now);
      if (!next) { ctx.status.signals = next; this.signalMemory.delete(ctx.key); return; }
      this.signalMemory.set(ctx.key, { uid: ctx.incident.metadata.uid, signals: next });
      evaluatedAt = next.evaluatedAt;
      const { refreshMs, consecutiveBreaches } = this.d.config.signals;
      if (signalsWorthWriting(ctx.status.signals, next, ctx.now, { refreshMs, breachCountCap: consecutiveBreaches })) ctx.status.signals = next;
    }
    // Status holds the latest evaluation worth writing: the same verdicts and healthy streak as the latest one.
    const s = ctx.status.signals;
    if (!s) return;
    const c = combineVerdicts(s.verdicts);
    condition(ctx, {
      type: ConditionType.SignalsHealthy, status: c.allHealthy ? 'True' : c.breaching.length > 0 ? 'False' : 'Unknown',
      reason: c.allHealthy ? Reason.SignalsHealthy : c.breaching.length > 0 ? Reason.SignalsBreaching : Reason.SignalUnknown,
      message: s.summary,
    });
    ctx.requeue.push(Math.max(100, interval - Math.max(0, ctx.now.getTime() - Date.parse(evaluatedAt ?? s.evaluatedAt))));
  }

  /** remediate: step the remediator, writing each intent it asks for before it acts. */
  private async remediate(ctx: ReconcileContext): Promise<void> {
    for (let i = 0; i < MAX_REMEDIATION_STEPS; i++) {
      const step = await this.d.remediator.remediate({ incident: ctx.incident, status: ctx.status, diagnosis: ctx.diagnosis!, target: ctx.target, now: ctx.now });
      ctx.status.remediation = step.record;
      for (const n of step.notes ?? []) note(ctx, n);
      if (step.retryAfterMs !== undefined) ctx.requeue.push(step.retryAfterMs);
      if (step.record.reason === Reason.BlastRadiusBudgetExhausted && ctx.targetName) {
        // Reporting must not hold the deferral record back (a failure is logged; the next deferral retries it).
        await this.d.onBudgetExhausted?.(ctx.namespace, ctx.targetName, ctx.now).catch((e: unknown) => this.d.log.warn('MassFailure incident not reported', { error: errorMessage(e) }));
      }
      if (!step.persist) return;
      note(ctx, step.persist);
      await this.persist(ctx);
    }
    throw new Error(`remediation of ${ctx.key} asked for more than ${MAX_REMEDIATION_STEPS} intent writes in one reconcile`);
  }

  /** resolved: restore a GitOps owner's automation suspended for the rollback (issue 15); retried until it lands. */
  private async releaseOwner(ctx: ReconcileContext): Promise<void> {
    const record = ctx.status.remediation;
    if (ctx.status.phase !== 'Resolved' || !record?.gitops || record.gitops.restoredAt || !this.d.remediator.release) return;
    const next = await this.d.remediator.release(record);
    if (!next) return;
    ctx.status.remediation = next;
    const g = next.gitops;
    if (g?.restoredAt) note(ctx, { type: 'GitOpsRestored', reason: Reason.GitOpsRestored, message: `${g.kind} ${g.namespace}/${g.name}: ${g.field} restored to ${g.previous}` });
    else ctx.requeue.push(5_000);
  }

  /** escalate: tiers and the notifications outbox (recorded in status before anything is sent). */
  private async escalate(ctx: ReconcileContext): Promise<void> {
    if (!this.d.escalator) return;
    const esc = await this.d.escalator.escalate(ctx.incident, ctx.status, ctx.now);
    ctx.status = esc.status;
    for (const n of esc.notes ?? []) note(ctx, n);
    ctx.requeue.push(esc.requeueAfterMs);
  }

  /** write: the status only when it changed, then the Events. */
  private async write(ctx: ReconcileContext): Promise<void> {
    ctx.status.observedGeneration = ctx.generation;
    const before = ctx.incident.status ?? {};
    if (!jsonEqual(stripUndefined(before), stripUndefined(ctx.status))) {
      const from = before.phase;
      ctx.incident = await this.writeStatus(ctx.key, ctx.incident, stripUndefined(ctx.status));
      if (from !== ctx.status.phase && ctx.status.phase) this.d.onPhase?.(ctx.incident, from, ctx.status.phase);
      this.d.log.info('incident status written', { incident: ctx.key, reconcileId: ctx.reconcileId, phase: ctx.status.phase, tier: ctx.status.escalation?.tier });
    }
    await this.flushEvents(ctx);
  }

  /** Intent before action: writes the status built so far now and continues from the written object. */
  private async persist(ctx: ReconcileContext): Promise<void> {
    ctx.status.observedGeneration = ctx.generation;
    ctx.incident = await this.writeStatus(ctx.key, ctx.incident, stripUndefined(ctx.status));
    ctx.status = structuredClone(ctx.incident.status ?? {});
    ctx.diagnosis = ctx.status.diagnosis;
  }

  /**
   * deliver: notifications recorded in the outbox, after the record is durable. Delivery already
   * happened, so a conflicting spec change (a person acknowledging) must not lose the record, or it
   * would be sent again: only this operator writes status, so re-read and retry with our outbox.
   */
  private async deliver(ctx: ReconcileContext): Promise<void> {
    if (!this.d.escalator?.deliver) return;
    const delivered = await this.d.escalator.deliver(ctx.incident, structuredClone(ctx.incident.status ?? {}), this.d.clock.now());
    if (!delivered) return;
    const notifications = delivered.status.notifications;
    let wanted: IncidentStatus = delivered.status;
    for (let attempt = 0; attempt < 4 && !jsonEqual(ctx.incident.status ?? {}, wanted); attempt++) {
      try {
        ctx.incident = await this.writeStatus(ctx.key, ctx.incident, stripUndefined({ ...(ctx.incident.status ?? {}), notifications }));
      } catch (e) {
        if (!isConflict(e) || attempt === 3) throw e;
        ctx.incident = await this.d.incidents.get(ctx.namespace, ctx.name);
        wanted = { ...(ctx.incident.status ?? {}), notifications };
      }
    }
    ctx.requeue.push(delivered.requeueAfterMs);
  }

  private async writeStatus(key: string, incident: Incident, status: IncidentStatus): Promise<Incident> {
    const updated = await this.d.incidents.replaceStatus(incident, status);
    this.written.set(key, updated);
    try { this.d.onStatusWritten?.(updated, incident.status); } catch (e) { this.d.log.warn('status hook failed', { error: errorMessage(e) }); }
    return updated;
  }

  private async flushEvents(ctx: ReconcileContext): Promise<void> {
    const { incident } = ctx;
    for (const e of ctx.events.splice(0)) {
      await this.d.events.record({
        apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', name: incident.metadata.name,
        namespace: incident.metadata.namespace, uid: incident.metadata.uid, resourceVersion: incident.metadata.resourceVersion,
      }, e.type, e.reason, e.message);
    }
  }
}


/** A JSON round trip: drops undefined fields so status compares and writes cleanly. */
export const stripUndefined = jsonClone;
