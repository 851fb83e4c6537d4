/**
 * Runbook "Database Performance Issues" step 5 as a remediation step (README "Terminating sessions"):
 *
 *  1st call (no intent yet): plan — under the database server's lock, with the per-server budget read from every
 *     Incident's recorded intents (the incidents cache) — and return the `Intended` record with `persist`: the
 *     reconciler writes it to status before anything is signalled.
 *  2nd call (the written `Intended` record): signal each intent (re-checked in the same statement), re-read until
 *     the pile-up is gone, and return Succeeded, or Failed with the evidence (the incident escalates).
 *
 * A SIGKILL between the two calls leaves the intents in status: they count against the budget, and the restarted
 * operator executes them as recorded (a session that is gone is reported, one that no longer qualifies is not
 * signalled). See query-termination-pass.ts.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Incident } from '../api/incident.js';
import { terminationIntentsOf, waitingSessionsOf } from '../api/query-termination-status.js';
import type { RemediationStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import type { LedgerEntry } from '../decide/termination-budget.js';
import { withPgSession } from '../database/session.js';
import { readDatabaseConfig } from '../diagnose/database-checks.js';
import type { Logger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import type { RemediationContext, RemediationStep, Remediator, TimelineNote } from '../ports/remediation.js';
import { notPermitted, remediationConsent, type NamespaceLabels } from './consent.js';
import { describeBlocker, describeIntent, executeTerminations, planTerminations, type QueryTerminationRecord, type TerminationPassDeps } from './query-termination-pass.js';
import { TerminationLedger } from './termination-ledger.js';

export interface QueryTerminatorDeps {
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  /** Namespace labels from the cache (the owner's consent). */
  namespaceLabels?: NamespaceLabels;
  /** Every Incident (the incidents cache): their recorded intents are the per-server termination ledger. */
  incidents?: () => readonly Incident[];
  /** One per process (shared by every QueryTerminator of the process); a fresh one by default. */
  ledger?: TerminationLedger;
}

/** The process-wide ledger: every QueryTerminator without its own shares it. */
const processLedger = new TerminationLedger();

export class QueryTerminator implements Remediator {
  private readonly pass: TerminationPassDeps;

  constructor(private readonly d: QueryTerminatorDeps) {
    this.pass = {
      clock: d.clock,
      ledger: d.ledger ?? processLedger,
      recordedIntents: (): LedgerEntry[] => (d.incidents?.() ?? []).flatMap((i) => terminationIntentsOf(i.status?.remediation)),
      budget: d.config.terminationBudget,
      verifySeconds: d.config.terminationVerifySeconds,
      protectedRoles: d.config.terminationProtectedRoles,
      log: d.log,
    };
  }

  async remediate(ctx: RemediationContext): Promise<RemediationStep> {
    const db = ctx.incident.spec.database;
    if (!db?.terminateLongQueries) return { record: { state: 'Refused', action: 'TerminateQueries', reason: Reason.TerminationNotEnabled, message: 'spec.database.terminateLongQueries is off' } };
    const refusal = notPermitted(remediationConsent(this.d.config, ctx, this.d.namespaceLabels), 'TerminateQueries');
    if (refusal) return { record: refusal };
    if (this.d.config.dryRun) return { record: { state: 'Refused', action: 'TerminateQueries', reason: Reason.DryRun, message: 'operator dry-run: no session terminated' } };
    const current: RemediationStatus = ctx.status.remediation ?? { state: 'None' };
    const resuming = current.state === 'Intended' && current.action === 'TerminateQueries';
    // Test-only: die between the recorded intent and the signal.
    if (resuming && this.d.config.failpoint === 'exit-after-termination-intent') process.kill(process.pid, 'SIGKILL');

    const cfg = await readDatabaseConfig(this.d.core, ctx.incident.metadata.namespace, db.secretRef.name);
    const threshold = db.longQueryThresholdSeconds ?? 300;
    const databases = [...new Set([cfg.database, ...(db.databases ?? [])].filter((x): x is string => typeof x === 'string' && x !== ''))];
    return withPgSession(cfg, (db.connectTimeoutSeconds ?? 5) * 1000, async (client) => {
      if (resuming) {
        const record: QueryTerminationRecord = {
          state: 'Intended', action: 'TerminateQueries', reason: current.reason ?? Reason.TerminationIntended, message: current.message ?? '',
          intendedAt: current.intendedAt, server: current.server, databases: current.databases ?? databases,
          terminations: terminationIntentsOf(current), ineligibleBlockers: current.ineligibleBlockers ?? [],
          waitingBefore: current.waitingBefore, waitingSessions: waitingSessionsOf(current), budget: current.budget, skipped: current.skipped,
        };
        const outcome = await executeTerminations(this.pass, { client, thresholdSeconds: threshold, record });
        return { record: outcome, notes: outcomeNotes(outcome) };
      }
      const planned = await planTerminations(this.pass, {
        client, serverAddress: `${cfg.host}:${cfg.port}`, databases, thresholdSeconds: threshold,
        maxTerminations: db.maxTerminations ?? 3, previous: terminationIntentsOf(current),
      });
      if (planned.state === 'Intended') return { record: planned, persist: { type: 'TerminationIntended', reason: Reason.TerminationIntended, message: planned.message } };
      return { record: planned, notes: outcomeNotes(planned) };
    });
  }
}

/** One timeline entry (and Event) per session terminated, and per root blocker nobody may touch. */
function outcomeNotes(r: QueryTerminationRecord): TimelineNote[] {
  const notes: TimelineNote[] = [];
  for (const t of r.terminations ?? []) {
    if (t.result === 'Terminated') notes.push({ type: 'SessionTerminated', reason: Reason.SessionTerminated, message: `terminated ${describeIntent(t)}: ${t.fingerprint.slice(0, 160)}` });
  }
  for (const b of (r.ineligibleBlockers ?? []).slice(0, 3)) notes.push({ type: 'BlockerNotEligible', reason: Reason.BlockerNotEligible, message: describeBlocker(b), warn: true });
  return notes;
}
