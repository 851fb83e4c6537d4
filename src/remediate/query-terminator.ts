/**
 * Runbook "Database Performance Issues" step 5, as a remediation step: plan the sessions to terminate
 * (root blockers first, then long runners; see decide/query-termination.ts), ask for that plan to be
 * recorded in status, then signal each planned session (pid and backend_start re-checked in the same
 * statement), and verify afterwards that the symptom is gone.
 */
import type * as k8s from '@kubernetes/client-node';
import type { PlannedTermination, RemediationStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { selectQueriesToTerminate, verifyTermination } from '../decide/query-termination.js';
import { listSessions, terminateSession } from '../database/terminate-queries.js';
import { withPgSession } from '../database/session.js';
import { readDatabaseConfig } from '../diagnose/database-checks.js';
import type { Logger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import type { RemediationContext, RemediationStep, Remediator } from '../ports/remediation.js';
import { notPermitted, remediationConsent, type NamespaceLabels } from './consent.js';

export interface QueryTerminatorDeps {
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  /** Namespace labels from the cache (the owner's consent). */
  namespaceLabels?: NamespaceLabels;
}

export class QueryTerminator implements Remediator {
  constructor(private readonly d: QueryTerminatorDeps) {}

  async remediate(ctx: RemediationContext): Promise<RemediationStep> {
    const db = ctx.incident.spec.database;
    if (!db?.terminateLongQueries) return { record: { state: 'Refused', action: 'TerminateQueries', reason: Reason.TerminationNotEnabled, message: 'spec.database.terminateLongQueries is off' } };
    const refusal = notPermitted(remediationConsent(this.d.config, ctx, this.d.namespaceLabels), 'TerminateQueries');
    if (refusal) return { record: refusal };
    if (this.d.config.dryRun) return { record: { state: 'Refused', action: 'TerminateQueries', reason: Reason.DryRun, message: 'operator dry-run: no session terminated' } };
    const cfg = await readDatabaseConfig(this.d.core, ctx.incident.metadata.namespace, db.secretRef.name);
    const threshold = db.longQueryThresholdSeconds ?? 300;
    const databases = [cfg.database ?? ''].filter((x) => x !== '');
    const current = ctx.status.remediation ?? { state: 'None' };
    return withPgSession(cfg, (db.connectTimeoutSeconds ?? 5) * 1000, async (client) => {
      const listing = await listSessions(client);
      const scope = { ownPid: listing.ownPid, databases };
      if (current.state !== 'Intended') {
        const done = current.terminated?.length ?? 0;
        const selection = selectQueriesToTerminate(listing.sessions, { ...scope, thresholdSeconds: threshold, budget: Math.max(0, (db.maxTerminations ?? 3) - done) });
        const planned: PlannedTermination[] = selection.terminate.map((t) => ({
          pid: t.session.pid, backendStart: t.session.backendStart, user: t.session.user, durationSeconds: Math.round(t.ageSeconds),
          fingerprint: t.session.fingerprint, why: t.why === 'RootBlocker' ? `root blocker of ${t.waiters} waiting session(s)` : `long runner over ${threshold}s`,
        }));
        const record: RemediationStatus = {
          state: 'Intended', action: 'TerminateQueries', reason: Reason.TerminationIntended, intendedAt: ctx.now.toISOString(),
          planned, skipped: selection.skipped.slice(0, 10), terminated: current.terminated ?? [],
          message: `terminating ${planned.length} session(s) (threshold ${threshold}s)`,
        };
        return { record, persist: { type: 'TerminationIntended', reason: Reason.TerminationIntended, message: record.message! } };
      }
      const terminated = [...(current.terminated ?? [])];
      const signalled = new Set(terminated.map((t) => `${t.pid}/${t.backendStart}`));
      for (const p of current.planned ?? []) {
        if (signalled.has(`${p.pid}/${p.backendStart}`)) continue;
        const why = p.why?.startsWith('root blocker') ? 'RootBlocker' as const : 'LongRunner' as const;
        const r = await terminateSession(client, { pid: p.pid, backendStart: p.backendStart, why, thresholdSeconds: threshold, databases });
        terminated.push({ ...p, result: r.reason, at: this.d.clock.now().toISOString() });
      }
      const after = await listSessions(client);
      const verdict = verifyTermination({ sessions: after.sessions, scope, thresholdSeconds: threshold, waitingBefore: [], terminated: terminated.filter((t) => t.result === 'Terminated') });
      const ok = terminated.filter((t) => t.result === 'Terminated').length;
      const message = `terminated ${ok} of ${(current.planned ?? []).length} planned session(s); ${verdict.summary}`;
      return { record: { ...current, state: verdict.ok ? 'Succeeded' : 'Failed', reason: verdict.ok ? Reason.QueriesTerminated : Reason.RemediationFailed, terminated, completedAt: this.d.clock.now().toISOString(), message } };
    });
  }
}
