/** Rollout history of the target (runbook API outage step 4, `kubectl rollout history`). */

/** Where the last known good revision came from. */
export const LastKnownGoodSource = {
  /** Recorded on the Deployment after the revision was healthy for the stable window. */
  Recorded: 'Recorded',
  /** StatefulSet: the newest revision older than the update revision whose pods were all ready, none crash-looping. */
  HealthyPods: 'HealthyPods',
  /** No record: the previous revision, never verified healthy. */
  PreviousRevisionFallback: 'PreviousRevisionFallback',
  /** Nothing to roll back to. */
  None: 'None',
} as const;
export type LastKnownGoodSource = (typeof LastKnownGoodSource)[keyof typeof LastKnownGoodSource];

/** One retained revision. */
export interface RevisionSummary {
  /** Deployment revision number. */
  readonly revision: number;
  /** ReplicaSet creation time (RFC 3339), null when unknown. */
  readonly createdAt: string | null;
  /** Container images of the revision's pod template. */
  readonly images: string[];
  /** kubernetes.io/change-cause of the revision, when set. */
  readonly changeCause?: string;
  /** Name of the revision's ReplicaSet (empty for a StatefulSet: see controllerRevision). */
  readonly replicaSet: string;
  /** StatefulSet: name of the revision's ControllerRevision (the pods' controller-revision-hash label). */
  readonly controllerRevision?: string;
  /** pod-template-hash of the revision. */
  readonly templateHash?: string;
}

/** The revision a rollback would return to. */
export interface LastKnownGood {
  /** Revision number, null when there is none. */
  readonly revision: number | null;
  /** How it was determined. */
  readonly source: LastKnownGoodSource;
  /** Why this revision (e.g. `matched recorded template hash 5fb5bb8cff`). */
  readonly note: string;
  /** Its ReplicaSet. */
  readonly replicaSet?: string;
  /** StatefulSet: its ControllerRevision. */
  readonly controllerRevision?: string;
  /** Its pod-template-hash. */
  readonly templateHash?: string;
}

/** Retained revisions and the last known good one. */
export interface RolloutHistory {
  /** Newest first, at most 10. */
  readonly revisions: RevisionSummary[];
  /** The Deployment's current revision, null when unknown. */
  readonly currentRevision: number | null;
  /** The rollback target. */
  readonly lastKnownGood: LastKnownGood;
}
