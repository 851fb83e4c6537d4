/** `status.diagnosis`: redacted, bounded evidence of the runbook's diagnose steps, and what it proposes. */
import type { DatabaseEvidence } from './database-evidence.js';
import type { PodHealth } from './pod-health.js';
import type { RolloutHistory } from './rollout-history.js';
import type { SignalsStatus } from './signals.js';

/** One diagnose check and how it went (fail-soft: a failed check never stops the others). */
export interface CheckRecord {
  /** pods, logs, database, signals, rolloutHistory, cacheFreshness (the diagnosis was made from a cache behind the API server). */
  name: string;
  /** The check completed. */
  ok: boolean;
  /** Time the check took, in milliseconds. */
  durationMs: number;
  /** Why it failed (redacted). */
  error?: string;
}

/** An error signature: a log line with every unsafe token replaced by a typed placeholder. */
export interface SignatureCount {
  /** The signature, e.g. `ERROR connect ECONNREFUSED <ip>:<port>`. */
  signature: string;
  /** Error lines with this signature. */
  count: number;
}

/** A container whose logs could not be read. */
export interface LogReadFailure {
  /** Pod name. */
  pod: string;
  /** Container name. */
  container: string;
  /** Why (e.g. Forbidden, NotFound, Timeout). */
  reason: string;
}

/** Log evidence of the failing pods (runbook API outage step 2): signatures, never raw lines. */
export interface LogEvidenceStatus {
  /** Error signatures, most frequent first. */
  signatures: SignatureCount[];
  /** The most recent error lines, as signatures, oldest first (at most 5). */
  excerpt: string[];
  /** Error lines seen. */
  errorLines: number;
  /** Lines read. */
  linesScanned: number;
  /** Containers whose logs could not be read. */
  failures: LogReadFailure[];
}

/** Evidence that a rollback cannot help. */
export const SharedCauseReason = {
  OlderRevisionsCrashing: 'OlderRevisionsCrashing',
  /** Not decided any more (issue 15: a count of neighbours is no evidence); kept so older records still parse. */
  NamespaceWideCrashLoops: 'NamespaceWideCrashLoops',
  /** Other Deployments of the namespace crash-loop on revisions older than their newest. */
  NeighbourOlderRevisionsCrashing: 'NeighbourOlderRevisionsCrashing',
  DatabaseUnreachable: 'DatabaseUnreachable',
  /** A health signal already breached before the newest rollout. */
  SignalsBreachedBeforeRollout: 'SignalsBreachedBeforeRollout',
} as const;
export type SharedCauseReason = (typeof SharedCauseReason)[keyof typeof SharedCauseReason];

/** Is the failure caused by something a rollback cannot fix? */
export interface SharedCauseResult {
  /** A shared cause was found: no rollback. */
  readonly shared: boolean;
  /** The evidence found: the rules that decided. */
  readonly reasons: SharedCauseReason[];
  /** Why no rollback (when shared), or that none was found. */
  readonly message: string;
}

/** Who owns the workload's manifest: Argo CD, Flux (Kustomization or HelmRelease), Helm, or nobody that reverts a patch. */
export type WorkloadOwnerKind = 'ArgoCD' | 'FluxKustomization' | 'FluxHelmRelease' | 'Helm' | 'Plain';

/** The workload's owner, from its labels and annotations. */
export interface WorkloadOwnerStatus {
  /** ArgoCD, FluxKustomization, FluxHelmRelease, Helm or Plain. */
  kind: WorkloadOwnerKind;
  /** Application, Kustomization, HelmRelease or Helm release name. */
  name?: string;
  /** Namespace of that object (or of the Helm release). */
  namespace?: string;
  /** The label or annotation that decided. */
  evidence: string;
  /** One line for people. */
  message: string;
}

/** What diagnosis proposes. */
export type ProposalAction = 'Rollback' | 'TerminateQueries' | 'None' | 'Escalate';

/** The proposed remediation. */
export interface Proposal {
  /** Rollback, TerminateQueries, None (monitor) or Escalate. */
  action: ProposalAction;
  /** Reason (CamelCase). */
  reason: string;
  /** One line a person can act on. */
  message: string;
  /** Revision to roll back to. */
  toRevision?: number;
}

/** The diagnosis of one generation of the Incident. */
export interface DiagnosisStatus {
  /** metadata.generation the diagnosis was made for. */
  generation: number;
  /** When it completed (RFC 3339). */
  completedAt: string;
  /** One line: what is wrong and what is proposed. */
  summary: string;
  /** Each check and its outcome. */
  checks: CheckRecord[];
  /** Pods by revision (runbook API outage step 1). */
  pods?: PodHealth;
  /** Log error signatures (step 2). */
  logs?: LogEvidenceStatus;
  /** Rollout history and last known good (step 4). */
  history?: RolloutHistory;
  /** Database connectivity and load (step 3, database performance). */
  database?: DatabaseEvidence;
  /** Shared-cause evidence. */
  sharedCause?: SharedCauseResult;
  /** Each health signal's value, threshold and verdict at diagnosis (numbers and signal names only). */
  signals?: SignalsStatus;
  /** Who owns the target's manifest (Argo CD, Flux, Helm, plain): decides how a rollback is done. */
  owner?: WorkloadOwnerStatus;
  /** The proposed remediation. */
  proposal: Proposal;
}
