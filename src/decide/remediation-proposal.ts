/**
 * What the diagnosis suggests doing — a pure policy chain over the evidence. Rollback only when the
 * newest revision is the broken one and a known-good revision exists; EVIDENCE of a shared cause (older
 * revisions crash too, neighbours' older revisions crash, the database is down, a signal breached before
 * the rollout: src/decide/shared-cause.ts) escalates, naming the rule. Neighbours failing on their own new
 * revisions are no evidence: each is rolled back within the blast-radius budget (src/decide/blast-radius.ts).
 */
import { Reason } from '../api/reasons.js';
import type { RunbookKind } from '../api/incident.js';
import type { PodHealth } from './pod-health.js';
import type { RolloutHistory } from './rollout-history.js';
import type { SharedCauseResult } from './shared-cause.js';
import type { Proposal } from '../api/diagnosis.js';
export type { Proposal } from '../api/diagnosis.js';

export interface ProposalInput {
  runbook: RunbookKind;
  targetHealthy?: boolean;
  podHealth?: PodHealth;
  history?: RolloutHistory;
  sharedCause?: SharedCauseResult;
  requestedRevision?: number;
  database?: { reachable: boolean; longRunningQueries: number; terminationOptIn: boolean; summary: string };
  /** The MassFailure Incident's description (issue 15): nothing to remediate here, a person is paged. */
  massFailure?: string;
}

export function proposeRemediation(input: ProposalInput): Proposal {
  if (input.massFailure !== undefined) return { action: 'Escalate', reason: Reason.MassFailure, message: input.massFailure.slice(0, 1024) };
  if (input.runbook === 'DatabasePerformance' && !input.podHealth) return proposeForDatabase(input);
  if (input.targetHealthy) {
    if (input.database && input.database.longRunningQueries > 0) return proposeForDatabase(input);
    return { action: 'None', reason: Reason.PodsHealthy, message: 'target is healthy; nothing to remediate, monitoring' };
  }
  if (input.sharedCause?.shared) {
    return { action: 'Escalate', reason: Reason.SharedCauseSuspected, message: `no rollback: ${input.sharedCause.message}` };
  }
  const history = input.history;
  const current = history?.currentRevision ?? null;
  const target = input.requestedRevision ?? history?.lastKnownGood.revision ?? null;
  if (target === null) {
    return { action: 'Escalate', reason: Reason.NoKnownGoodRevision, message: `no known good revision to roll back to${history ? `: ${history.lastKnownGood.note}` : ''}` };
  }
  if (current !== null && target === current && input.requestedRevision === undefined) {
    return { action: 'Escalate', reason: Reason.CurrentRevisionIsLastKnownGood, message: `revision ${current} is the last known good and is failing: the cause is outside the rollout` };
  }
  const source = input.requestedRevision !== undefined ? 'requested in spec.rollback.toRevision' : history?.lastKnownGood.note ?? '';
  return { action: 'Rollback', reason: Reason.RollbackProposed, message: `roll back revision ${current ?? '?'} to revision ${target} (${source})`, toRevision: target };
}

function proposeForDatabase(input: ProposalInput): Proposal {
  const db = input.database;
  if (!db) return { action: 'Escalate', reason: Reason.NoDatabaseEvidence, message: 'no database diagnosis available' };
  if (!db.reachable) return { action: 'Escalate', reason: Reason.DatabaseUnreachable, message: db.summary };
  if (db.longRunningQueries === 0) return { action: 'None', reason: Reason.NoLongRunningQueries, message: `${db.summary}; no queries over the threshold, monitoring` };
  if (!db.terminationOptIn) {
    return { action: 'Escalate', reason: Reason.TerminationNotEnabled, message: `${db.longRunningQueries} long-running queries; spec.database.terminateLongQueries is off, a person decides` };
  }
  return { action: 'TerminateQueries', reason: Reason.TerminationProposed, message: `terminate up to the limit of ${db.longRunningQueries} long-running queries` };
}
