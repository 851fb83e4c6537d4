/** Port: the diagnose step and the live checks the reconciler asks for. */
import type { Incident } from '../api/incident.js';
import type { DiagnosisStatus } from '../api/diagnosis.js';
import type { TargetSnapshot } from './target.js';

import type { NeighbourEvidence } from '../decide/shared-cause.js';

/** Runs every runbook check for the incident (fail-soft, bounded) into one PHI-safe record. */
export type Diagnose = (incident: Incident, target: TargetSnapshot | undefined, otherCrashLooping: string[], neighbours?: NeighbourEvidence) => Promise<DiagnosisStatus>;

/**
 * Live read (not the cache) of the target Deployment (or StatefulSet): its metadata.resourceVersion, or null
 * when the API server says it does not exist (404); other errors throw. A cache miss is confirmed with it
 * before "not found", and a diagnosis waits until the cache has reached it (src/decide/cache-freshness.ts).
 */
export type TargetVersion = (namespace: string, name: string, kind?: 'Deployment' | 'StatefulSet') => Promise<string | null>;

/** Fresh database check while monitoring a database incident (reachable and no query over the threshold). */
export type CheckDatabaseHealthy = (incident: Incident) => Promise<{ healthy: boolean; summary: string }>;
