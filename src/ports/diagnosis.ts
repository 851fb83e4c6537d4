/** Port: the diagnose step and the live checks the reconciler asks for. */
import type { Incident } from '../api/incident.js';
import type { DiagnosisStatus } from '../api/diagnosis.js';
import type { TargetSnapshot } from './target.js';

import type { NeighbourEvidence } from '../decide/shared-cause.js';

/** Runs every runbook check for the incident (fail-soft, bounded) into one PHI-safe record. */
export type Diagnose = (incident: Incident, target: TargetSnapshot | undefined, otherCrashLooping: string[], neighbours?: NeighbourEvidence) => Promise<DiagnosisStatus>;

/** Live read (not the cache): does the target Deployment (or StatefulSet) exist? 404 → false; other errors throw. */
export type TargetExists = (namespace: string, name: string, kind?: 'Deployment' | 'StatefulSet') => Promise<boolean>;

/** Fresh database check while monitoring a database incident (reachable and no query over the threshold). */
export type CheckDatabaseHealthy = (incident: Incident) => Promise<{ healthy: boolean; summary: string }>;
