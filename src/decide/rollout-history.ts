/**
 * Rollout history and the last-known-good revision.
 *
 * kubectl's default undo target is simply the second-highest revision, which
 * may itself be broken; and because the Deployment controller reuses an old
 * ReplicaSet on rollback and renumbers it max+1, "previous revision" after one
 * undo is the bad version again. The operator therefore records proven-good
 * revisions in the Deployment annotation `runbook.dev/last-known-good`
 * (JSON `{"revision":6,"templateHash":"abc","recordedAt":"..."}`) and matches
 * the record by pod-template-hash first, revision number second.
 */
import {
  CHANGE_CAUSE_ANNOTATION,
  type KubeCondition,
  type KubeDeployment,
  type KubeReplicaSet,
} from './kube-types.js';
import {
  currentRevisionOf,
  ownedReplicaSets,
  templateHashOf,
  toEpochMs,
  toIsoTime,
  type RevisionedReplicaSet,
} from './replica-sets.js';
import type { LastKnownGood, RevisionSummary, RolloutHistory } from '../api/rollout-history.js';
import { Annotation } from '../api/reasons.js';

export { LastKnownGoodSource, type LastKnownGood, type RevisionSummary, type RolloutHistory } from '../api/rollout-history.js';

export const LAST_KNOWN_GOOD_ANNOTATION = Annotation.lastKnownGood;
export const MAX_HISTORY_REVISIONS = 10;
export const DEFAULT_STABLE_WINDOW_SECONDS = 30;

export interface LastKnownGoodRecord {
  readonly revision: number;
  readonly templateHash: string;
  readonly recordedAt: string;
}

export interface RolloutHistoryOptions {
  /** Annotation KEY holding the record (default LAST_KNOWN_GOOD_ANNOTATION). */
  readonly lastKnownGoodAnnotation?: string;
}

/** Parses the annotation value; undefined when absent or malformed. */
export function parseLastKnownGood(value: string | undefined): LastKnownGoodRecord | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const revision: unknown = 'revision' in parsed ? parsed.revision : undefined;
  const templateHash: unknown = 'templateHash' in parsed ? parsed.templateHash : undefined;
  const recordedAt: unknown = 'recordedAt' in parsed ? parsed.recordedAt : undefined;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return undefined;
  if (typeof templateHash !== 'string') return undefined;
  return { revision, templateHash, recordedAt: typeof recordedAt === 'string' ? recordedAt : '' };
}

export function formatLastKnownGood(record: LastKnownGoodRecord): string {
  return JSON.stringify({
    revision: record.revision,
    templateHash: record.templateHash,
    recordedAt: record.recordedAt,
  });
}

function summarise(entry: RevisionedReplicaSet): RevisionSummary {
  const rs = entry.replicaSet;
  const images = (rs.spec?.template?.spec?.containers ?? [])
    .map((c) => c.image)
    .filter((image): image is string => typeof image === 'string');
  const changeCause = rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
  const templateHash = templateHashOf(rs);
  return {
    revision: entry.revision,
    createdAt: toIsoTime(rs.metadata?.creationTimestamp) ?? null,
    images,
    ...(changeCause !== undefined ? { changeCause } : {}),
    replicaSet: rs.metadata?.name ?? '',
    ...(templateHash !== undefined ? { templateHash } : {}),
  };
}

function resolveLastKnownGood(
  annotationKey: string,
  rawRecord: string | undefined,
  owned: readonly RevisionedReplicaSet[],
  currentRevision: number | undefined,
): LastKnownGood {
  const describe = (entry: RevisionedReplicaSet) => ({
    replicaSet: entry.replicaSet.metadata?.name ?? '',
    ...(templateHashOf(entry.replicaSet) !== undefined ? { templateHash: templateHashOf(entry.replicaSet) } : {}),
  });
  const currentSuffix = (revision: number): string =>
    revision === currentRevision ? '; it is the current revision, so rolling back cannot help' : '';

  if (rawRecord === undefined) {
    const previous = owned[1];
    if (previous === undefined) {
      return {
        revision: null,
        source: 'None',
        note: `no ${annotationKey} record and no previous revision to fall back to`,
      };
    }
    return {
      revision: previous.revision,
      source: 'PreviousRevisionFallback',
      note:
        `no ${annotationKey} record; falling back to the previous revision ${previous.revision}, ` +
        'which was never verified healthy',
      ...describe(previous),
    };
  }

  const record = parseLastKnownGood(rawRecord);
  if (record === undefined) {
    return { revision: null, source: 'None', note: `${annotationKey} annotation is malformed; not guessing a target` };
  }
  const byHash = record.templateHash === '' ? undefined : owned.find((e) => templateHashOf(e.replicaSet) === record.templateHash);
  if (byHash !== undefined) {
    const renumbered = byHash.revision !== record.revision
      ? ` (recorded as revision ${record.revision}, renumbered to ${byHash.revision} by a later rollback)`
      : '';
    return {
      revision: byHash.revision,
      source: 'Recorded',
      note: `matched recorded template hash ${record.templateHash}${renumbered}${currentSuffix(byHash.revision)}`,
      ...describe(byHash),
    };
  }
  const byRevision = owned.find((e) => e.revision === record.revision);
  if (byRevision !== undefined) {
    return {
      revision: byRevision.revision,
      source: 'Recorded',
      note:
        `recorded template hash ${record.templateHash || '<none>'} not found; matched recorded revision ` +
        `${record.revision} by number${currentSuffix(byRevision.revision)}`,
      ...describe(byRevision),
    };
  }
  return {
    revision: null,
    source: 'None',
    note:
      `recorded last-known-good revision ${record.revision} (hash ${record.templateHash || '<none>'}) ` +
      'has no ReplicaSet any more (pruned by revisionHistoryLimit?)',
  };
}

export function diagnoseRolloutHistory(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
  opts: RolloutHistoryOptions = {},
): RolloutHistory {
  const annotationKey = opts.lastKnownGoodAnnotation ?? LAST_KNOWN_GOOD_ANNOTATION;
  const owned = ownedReplicaSets(deployment, replicaSets);
  const current = currentRevisionOf(deployment, owned);
  return {
    revisions: owned.slice(0, MAX_HISTORY_REVISIONS).map(summarise),
    currentRevision: current ?? null,
    lastKnownGood: resolveLastKnownGood(
      annotationKey,
      deployment.metadata?.annotations?.[annotationKey],
      owned,
      current,
    ),
  };
}

// ---- recording a proven-good revision ----

export const HealthyRevisionReason = {
  Recordable: 'Recordable',
  AlreadyRecorded: 'AlreadyRecorded',
  NotObserved: 'NotObserved',
  NotAvailable: 'NotAvailable',
  RolloutIncomplete: 'RolloutIncomplete',
  ScaledToZero: 'ScaledToZero',
  NoCurrentReplicaSet: 'NoCurrentReplicaSet',
  HealthySinceUnknown: 'HealthySinceUnknown',
  StableWindowPending: 'StableWindowPending',
} as const;
export type HealthyRevisionReason = (typeof HealthyRevisionReason)[keyof typeof HealthyRevisionReason];

export interface HealthyRevisionAssessment {
  readonly reason: HealthyRevisionReason;
  readonly message: string;
  /** Annotation value to write under LAST_KNOWN_GOOD_ANNOTATION, or null. */
  readonly annotationValue: string | null;
  /** When StableWindowPending: seconds until the window has elapsed (for a requeue). */
  readonly requeueAfterSeconds?: number;
}

function findCondition(conditions: readonly KubeCondition[] | undefined, type: string): KubeCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * When the current revision became healthy: the caller's own observation if
 * given, else the later of the Available=True transition and the moment the
 * Progressing condition reached NewReplicaSetAvailable.
 */
function healthySince(deployment: KubeDeployment, observed: Date | undefined): number | undefined {
  if (observed !== undefined) return Number.isFinite(observed.getTime()) ? observed.getTime() : undefined;
  const conditions = deployment.status?.conditions;
  const available = toEpochMs(findCondition(conditions, 'Available')?.lastTransitionTime);
  const progressing = findCondition(conditions, 'Progressing');
  const completed = progressing?.reason === 'NewReplicaSetAvailable'
    ? toEpochMs(progressing.lastUpdateTime ?? progressing.lastTransitionTime)
    : undefined;
  if (available === undefined) return undefined;
  return completed === undefined ? available : Math.max(available, completed);
}

export function assessHealthyRevision(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
  now: Date,
  stableWindowSeconds: number = DEFAULT_STABLE_WINDOW_SECONDS,
  observedHealthySince?: Date,
): HealthyRevisionAssessment {
  const no = (reason: HealthyRevisionReason, message: string, extra: { requeueAfterSeconds?: number } = {}) =>
    ({ reason, message, annotationValue: null, ...extra });
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? -1) < generation) {
    return no('NotObserved', `controller has not observed generation ${generation} yet`);
  }
  const replicas = deployment.spec?.replicas ?? 1;
  if (replicas === 0) return no('ScaledToZero', 'deployment is scaled to zero; nothing proves the revision healthy');
  if (findCondition(status.conditions, 'Available')?.status !== 'True') {
    return no('NotAvailable', 'Available condition is not True');
  }
  const counts = [status.replicas, status.updatedReplicas, status.readyReplicas, status.availableReplicas];
  if (!counts.every((n) => n === replicas)) {
    return no(
      'RolloutIncomplete',
      `replicas/updated/ready/available = ${counts.map((n) => n ?? 0).join('/')}, want ${replicas} each`,
    );
  }
  const owned = ownedReplicaSets(deployment, replicaSets);
  const revision = currentRevisionOf(deployment, owned);
  const currentRs = owned.find((e) => e.revision === revision);
  const hash = currentRs === undefined ? undefined : templateHashOf(currentRs.replicaSet);
  if (revision === undefined || currentRs === undefined || hash === undefined) {
    return no('NoCurrentReplicaSet', 'cannot find the current revision\'s ReplicaSet and template hash');
  }
  const existing = parseLastKnownGood(deployment.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION]);
  if (existing?.templateHash === hash) {
    return no('AlreadyRecorded', `revision ${revision} (hash ${hash}) is already recorded as last known good`);
  }
  const since = healthySince(deployment, observedHealthySince);
  if (since === undefined) return no('HealthySinceUnknown', 'cannot tell since when the revision has been healthy');
  const elapsedMs = now.getTime() - since;
  const windowMs = stableWindowSeconds * 1000;
  if (elapsedMs < windowMs) {
    return no('StableWindowPending', `healthy for ${Math.max(0, Math.floor(elapsedMs / 1000))}s of ${stableWindowSeconds}s`, {
      requeueAfterSeconds: Math.ceil((windowMs - elapsedMs) / 1000),
    });
  }
  return {
    reason: 'Recordable',
    message: `revision ${revision} (hash ${hash}) has been healthy for at least ${stableWindowSeconds}s`,
    annotationValue: formatLastKnownGood({ revision, templateHash: hash, recordedAt: now.toISOString() }),
  };
}

/**
 * The LAST_KNOWN_GOOD_ANNOTATION value to write when the current revision is
 * now proven good, or null (not healthy, not yet stable, or already recorded).
 */
export function shouldRecordHealthyRevision(
  deployment: KubeDeployment,
  replicaSets: readonly KubeReplicaSet[],
  now: Date,
  stableWindowSeconds: number = DEFAULT_STABLE_WINDOW_SECONDS,
  observedHealthySince?: Date,
): string | null {
  return assessHealthyRevision(deployment, replicaSets, now, stableWindowSeconds, observedHealthySince).annotationValue;
}
