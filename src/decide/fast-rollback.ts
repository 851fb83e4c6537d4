/**
 * The crash-loop rollback's fast path (issue 17): decided from the cache, acted in ONE atomic JSON patch of the
 * Deployment that carries its own record; the Incident is opened after. Pure.
 *
 * It acts only when every guard the slow path applies, and that the cache can decide, says yes — in this order,
 * the first "no" wins and the slow path (create the Incident, diagnose, record the intent, patch) takes over
 * unchanged: enabled → this shard → no Incident of that name and none open → the owner's consent → a plain
 * manifest owner (GitOps/Helm: the owner strategy decides) → no maintenance window → no health signals (their
 * verdict is not in the cache) → the rollback guards (opt-out, paused, rate limit, dry run; policy Automatic)
 * with a VERIFIED target (the last-known-good record, never an unverified revision) → not this bad revision
 * again (the record's fromTemplateHash) → no evidence of a shared cause (older revisions, neighbours on older
 * revisions) → a patch plan → a slot in the cluster-wide blast-radius budget.
 *
 * The record (annotation runbook.dev/fast-rollback, next to rollback-history and rolled-back-by
 * `fast:<incident>/r<to>`) says what was done, when, and the Incident to open: a restart after the patch opens that
 * Incident from it and never patches again.
 */
import type { DiagnosisStatus, WorkloadOwnerStatus } from '../api/diagnosis.js';
import type { RemediationStatus } from '../api/remediation.js';
import { Annotation, Reason } from '../api/reasons.js';
import type { BlastRadiusDecision } from './blast-radius.js';
import type { KubeDeployment, KubeReplicaSet } from './kube-types.js';
import type { PodHealth } from './pod-health.js';
import type { ConsentDecision } from './remediation-consent.js';
import { currentRevisionOf, ownedReplicaSets, templateHashOf } from './replica-sets.js';
import { evaluateRollbackGuards, isRollbackOptedOut, parseRollbackHistory, proveRevision, ROLLBACK_HISTORY_ANNOTATION, type RateLimit } from './rollback-guards.js';
import { planRollback, type JsonPatchOp, type RollbackPlan } from './rollback-plan.js';
import type { RolloutHistory } from './rollout-history.js';
import { detectSharedCause, type NeighbourEvidence } from './shared-cause.js';
import { parseTime } from './time.js';
import type { ConsentVia } from '../api/remediation.js';

export const FAST_ROLLBACK_ANNOTATION = Annotation.fastRollback;
/** rolled-back-by of a fast rollback: `fast:<incident name>/r<revision>` (an Incident uid never starts so). */
export const FAST_MARKER_PREFIX = 'fast:';
/** A record older than this without its Incident is history, not a pending Incident. */
export const PENDING_RECORD_MAX_AGE_SECONDS = 3600;

/** What the fast rollback did, written by the same patch (the intent and the record in one). */
export interface FastRollbackRecord {
  /** The Incident to open (deterministic name). */
  incident: string;
  severity: 'P0' | 'P1';
  fromRevision: number;
  toRevision: number;
  fromTemplateHash?: string;
  toTemplateHash?: string;
  /** When it was decided and patched (RFC 3339). */
  at: string;
  fromResourceVersion: string;
  fromGeneration?: number;
  /** Why: the crash-loop detection (one line). */
  reason: string;
  /** Where the owner's consent came from. */
  consent: { via?: ConsentVia; message: string };
}

export const FastPathReason = {
  Disabled: 'FastPathDisabled',
  OutOfShard: 'NotThisShard',
  IncidentExists: 'IncidentExists',
  NoConsent: 'NoConsent',
  OwnerStrategy: 'OwnerStrategy',
  MaintenanceWindow: 'MaintenanceWindow',
  SignalsConfigured: 'SignalsConfigured',
  Guard: 'RollbackGuard',
  NoVerifiedRevision: 'NoVerifiedRevision',
  AlreadyRolledBack: 'AlreadyRolledBackThisRevision',
  SharedCause: 'SharedCause',
  NoPatch: 'NoPatch',
  BudgetExhausted: 'BudgetExhausted',
} as const;
export type FastPathReason = (typeof FastPathReason)[keyof typeof FastPathReason];

export interface FastRollbackInput {
  readonly enabled: boolean;
  readonly now: Date;
  readonly incidentName: string;
  readonly severity: 'P0' | 'P1';
  readonly detectionMessage: string;
  readonly deployment: KubeDeployment;
  readonly replicaSets: readonly KubeReplicaSet[];
  /** The namespace belongs to this shard (SHARD_COUNT/SHARD_INDEX). */
  readonly inShard: boolean;
  /** An Incident of that name (any phase) or an open one for the Deployment exists. */
  readonly incidentExists: boolean;
  readonly consent: ConsentDecision;
  readonly owner: WorkloadOwnerStatus;
  readonly maintenanceActive: boolean;
  readonly signalsConfigured: boolean;
  readonly dryRun: boolean;
  readonly rateLimit: RateLimit;
  readonly history: RolloutHistory;
  readonly podHealth: Pick<PodHealth, 'byRevision'>;
  readonly neighbours: NeighbourEvidence;
  readonly budget: Pick<BlastRadiusDecision, 'allowed'> & { readonly message?: string };
}

export type PatchPlan = Extract<RollbackPlan, { action: 'Patch' }>;

export type FastRollbackDecision =
  | { readonly act: false; readonly reason: FastPathReason; readonly message: string }
  | { readonly act: true; readonly plan: PatchPlan; readonly record: FastRollbackRecord };

const no = (reason: FastPathReason, message: string): FastRollbackDecision => ({ act: false, reason, message });

/** Every guard, in order; any "no" or doubt leaves it to the slow path. */
export function decideFastRollback(input: FastRollbackInput): FastRollbackDecision {
  const pre = preconditions(input);
  if (pre) return pre;
  const { deployment, replicaSets, history } = input;
  const lkg = history.lastKnownGood;
  if (lkg.source !== 'Recorded' || lkg.revision === null) return no(FastPathReason.NoVerifiedRevision, `no verified known-good revision: ${lkg.note}`);
  const toRevision = lkg.revision;
  const owned = ownedReplicaSets(deployment, replicaSets);
  const guard = evaluateRollbackGuards({
    policy: 'Automatic', approved: false, optOutAnnotation: isRollbackOptedOut(deployment), paused: deployment.spec?.paused === true,
    dryRun: input.dryRun, recentRollbacks: parseRollbackHistory(deployment.metadata?.annotations?.[ROLLBACK_HISTORY_ANNOTATION]),
    rateLimit: input.rateLimit, now: input.now,
    revision: proveRevision({ toRevision, requested: false, existingRevisions: owned.map((r) => r.revision), lastKnownGood: lkg, allowUnverified: false }),
  });
  if (!guard.allowed) return no(FastPathReason.Guard, `${guard.reason}: ${guard.message}`);
  const fromRevision = currentRevisionOf(deployment, owned) ?? 0;
  if (toRevision === fromRevision) return no(FastPathReason.NoVerifiedRevision, `revision ${toRevision} is the last known good and is failing`);
  const badHash = hashOfRevision(owned, fromRevision);
  const previous = parseFastRollbackRecord(deployment.metadata?.annotations?.[FAST_ROLLBACK_ANNOTATION]);
  if (badHash === undefined) return no(FastPathReason.AlreadyRolledBack, `revision ${fromRevision} has no pod-template-hash to record`);
  if (previous?.fromTemplateHash === badHash) return no(FastPathReason.AlreadyRolledBack, `revision ${fromRevision} (${badHash}) was already rolled back once (${previous.incident})`);
  const shared = detectSharedCause({ podHealth: input.podHealth, otherDeploymentsCrashLooping: [], neighbours: input.neighbours });
  if (shared.shared) return no(FastPathReason.SharedCause, shared.message);
  const plan = planRollback(deployment, replicaSets, toRevision);
  if (plan.action !== 'Patch') return no(FastPathReason.NoPatch, plan.message);
  if (!input.budget.allowed) return no(FastPathReason.BudgetExhausted, input.budget.message ?? 'blast-radius budget spent');
  const toHash = hashOfRevision(owned, toRevision);
  const record: FastRollbackRecord = {
    incident: input.incidentName, severity: input.severity, fromRevision: plan.fromRevision, toRevision,
    fromTemplateHash: badHash, ...(toHash ? { toTemplateHash: toHash } : {}),
    at: input.now.toISOString(), fromResourceVersion: deployment.metadata?.resourceVersion ?? '',
    ...(deployment.metadata?.generation !== undefined ? { fromGeneration: deployment.metadata.generation } : {}),
    reason: input.detectionMessage.slice(0, 300),
    consent: { ...(input.consent.via ? { via: input.consent.via } : {}), message: input.consent.message },
  };
  return { act: true, plan, record };
}

function preconditions(input: FastRollbackInput): FastRollbackDecision | undefined {
  if (!input.enabled) return no(FastPathReason.Disabled, 'fast path disabled (ROLLBACK_FAST_PATH=false or a slow-path failpoint)');
  if (!input.inShard) return no(FastPathReason.OutOfShard, 'namespace not in this shard');
  if (input.incidentExists) return no(FastPathReason.IncidentExists, `Incident ${input.incidentName} (or another open one) exists`);
  if (!input.consent.permitted) return no(FastPathReason.NoConsent, input.consent.message);
  if (input.owner.kind !== 'Plain') return no(FastPathReason.OwnerStrategy, `manifest owned by ${input.owner.kind}: the owner strategy decides`);
  if (input.maintenanceActive) return no(FastPathReason.MaintenanceWindow, 'a maintenance window is active');
  if (input.signalsConfigured) return no(FastPathReason.SignalsConfigured, 'health signals configured: their verdict is not in the cache');
  return undefined;
}

function hashOfRevision(owned: ReturnType<typeof ownedReplicaSets>, revision: number): string | undefined {
  const rs = owned.find((r) => r.revision === revision)?.replicaSet;
  return rs ? templateHashOf(rs) : undefined;
}

/** rolled-back-by value of a fast rollback. */
export function fastMarker(incident: string): string {
  return `${FAST_MARKER_PREFIX}${incident}`;
}

/** The plan's patch (with the rollback-history and rolled-back-by annotations) plus the fast record. */
export function withFastRecord(patch: readonly JsonPatchOp[], record: FastRollbackRecord): JsonPatchOp[] {
  return patch.map((op) => {
    if (op.path !== '/metadata/annotations' || op.op === 'test') return op;
    const value = typeof op.value === 'object' && op.value !== null && !Array.isArray(op.value) ? op.value : {};
    return { op: op.op, path: op.path, value: { ...value, [FAST_ROLLBACK_ANNOTATION]: JSON.stringify(record) } };
  });
}

/** Parses the record; undefined when absent or malformed (never trusted partially). */
export function parseFastRollbackRecord(value: string | undefined): FastRollbackRecord | undefined {
  if (value === undefined) return undefined;
  let p: unknown;
  try { p = JSON.parse(value); } catch { return undefined; }
  if (typeof p !== 'object' || p === null) return undefined;
  const get = (o: object, k: string): unknown => Object.entries(o).find(([key]) => key === k)?.[1];
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const str = (x: unknown): x is string => typeof x === 'string';
  const [incident, severity, fromRevision, toRevision, at, fromResourceVersion, reason] =
    ['incident', 'severity', 'fromRevision', 'toRevision', 'at', 'fromResourceVersion', 'reason'].map((k) => get(p, k));
  if (!str(incident) || !int(fromRevision) || !int(toRevision) || !str(at) || !str(fromResourceVersion) || !str(reason)) return undefined;
  if (severity !== 'P0' && severity !== 'P1') return undefined;
  const [fromTemplateHash, toTemplateHash, fromGeneration, consent] = ['fromTemplateHash', 'toTemplateHash', 'fromGeneration', 'consent'].map((k) => get(p, k));
  const via = typeof consent === 'object' && consent !== null ? get(consent, 'via') : undefined;
  const message = typeof consent === 'object' && consent !== null ? get(consent, 'message') : undefined;
  return {
    incident, severity, fromRevision, toRevision, at, fromResourceVersion, reason,
    ...(str(fromTemplateHash) ? { fromTemplateHash } : {}),
    ...(str(toTemplateHash) ? { toTemplateHash } : {}),
    ...(int(fromGeneration) ? { fromGeneration } : {}),
    consent: { ...(via === 'Deployment' || via === 'StatefulSet' || via === 'Namespace' ? { via } : {}), message: str(message) ? message : '' },
  };
}

/** The Deployment's fast record, when its latest rollback was that fast rollback (rolled-back-by agrees). */
export function currentFastRecord(deployment: KubeDeployment | undefined): FastRollbackRecord | undefined {
  const ann = deployment?.metadata?.annotations;
  const r = parseFastRollbackRecord(ann?.[FAST_ROLLBACK_ANNOTATION]);
  if (!r || ann?.[Annotation.rolledBackBy] !== `${fastMarker(r.incident)}/r${r.toRevision}`) return undefined;
  return r;
}

/** A fast rollback done whose Incident does not exist yet (killed after the patch): open it, never patch again. */
export function pendingFastIncident(deployment: KubeDeployment, incidentExists: (name: string) => boolean, now: Date): FastRollbackRecord | undefined {
  const r = currentFastRecord(deployment);
  const at = parseTime(r?.at);
  if (!r || !at || now.getTime() - at.getTime() > PENDING_RECORD_MAX_AGE_SECONDS * 1000) return undefined;
  return incidentExists(r.incident) ? undefined : r;
}

/** The Incident's status.remediation for a fast rollback: intent and outcome, the same shape as the slow path's. */
export function fastRollbackRemediation(deploymentName: string, r: FastRollbackRecord): RemediationStatus {
  return {
    state: 'Succeeded', action: 'Rollback', reason: Reason.RolledBack, fastPath: true,
    intendedAt: r.at, completedAt: r.at, fromRevision: r.fromRevision, toRevision: r.toRevision,
    fromResourceVersion: r.fromResourceVersion, ...(r.fromGeneration !== undefined ? { fromGeneration: r.fromGeneration } : {}),
    ...(r.fromTemplateHash ? { fromTemplateHash: r.fromTemplateHash } : {}), ...(r.toTemplateHash ? { toTemplateHash: r.toTemplateHash } : {}),
    consent: { permitted: true, reason: 'Permitted', message: r.consent.message, ...(r.consent.via ? { via: r.consent.via } : {}) },
    message: `rolled back ${deploymentName} from revision ${r.fromRevision} to revision ${r.toRevision} (fast path: decided from the cache, one patch, before this Incident was opened)`,
  };
}

/** Shared-cause evidence after the rollback: the revision rolled back from is the bad release, not an older one. */
export function withoutRolledBackRevision<T extends Pick<PodHealth, 'byRevision'>>(podHealth: T, revision: number): T {
  return { ...podHealth, byRevision: podHealth.byRevision.filter((r) => r.revision !== revision) };
}

/** The diagnosis gathered after a fast rollback: its proposal is the rollback already done; pods as they are. */
export function diagnosisAfterFastRollback(d: DiagnosisStatus, r: Pick<RemediationStatus, 'fromRevision' | 'toRevision'>, pods?: DiagnosisStatus['pods']): DiagnosisStatus {
  return {
    ...d,
    ...(pods ? { pods } : {}),
    proposal: { action: 'Rollback', reason: Reason.RolledBack, ...(r.toRevision !== undefined ? { toRevision: r.toRevision } : {}), message: `rolled back revision ${r.fromRevision ?? '?'} to revision ${r.toRevision ?? '?'} before this diagnosis (fast path)` },
  };
}
