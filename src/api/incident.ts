/**
 * TypeScript shape of the runbook.dev/v1alpha1 Incident. The spec's schema is written in crds/incident.yaml;
 * the status schema there is generated from `IncidentStatus` (npm run gen:crd), and a unit test checks both agree.
 */
import type { DiagnosisStatus } from './diagnosis.js';
import type { EscalationStatus } from './escalation.js';
import type { NotificationsStatus } from './notifications.js';
import type { PodHealthStatus } from './pod-health.js';
import type { RemediationStatus } from './remediation.js';
import type { SignalSpec, SignalsStatus } from './signals.js';

export const GROUP = 'runbook.dev';
export const VERSION = 'v1alpha1';
export const INCIDENT_PLURAL = 'incidents';
export const INCIDENT_KIND = 'Incident';

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
/** MassFailure: opened by the operator when the blast-radius budget holds rollbacks back (issue 15); no target. */
export type RunbookKind = 'APIOutage' | 'DatabasePerformance' | 'CrashLoop' | 'MassFailure';
/** The kinds of workload an Incident can target. */
export type TargetKind = 'Deployment' | 'StatefulSet';

export type Phase = 'Pending' | 'Diagnosing' | 'Remediating' | 'Monitoring' | 'Escalated' | 'Resolved' | 'Failed';

export interface IncidentSpec {
  severity: Severity;
  summary: string;
  description?: string;
  runbook?: RunbookKind;
  target?: { kind?: TargetKind; name: string };
  database?: {
    secretRef: { name: string };
    connectTimeoutSeconds?: number;
    longQueryThresholdSeconds?: number;
    terminateLongQueries?: boolean;
    maxTerminations?: number;
    /** More databases of the same server whose sessions may be terminated (default: only the Secret's database). */
    databases?: string[];
  };
  /** allowUnverified: roll back to a revision never recorded healthy (the previous one, or toRevision). */
  rollback?: { policy?: 'Automatic' | 'Manual' | 'Disabled'; toRevision?: number; approved?: boolean; allowUnverified?: boolean };
  escalationPolicyRef?: { name: string };
  acknowledgement?: { acknowledgedBy: string; acknowledgedAt?: string };
  resolution?: { resolvedBy: string; resolvedAt?: string; note?: string };
  /** Set by a person when the P0/P1 post-mortem is written (kubectl incident postmortem-done). */
  postmortem?: { done?: boolean; link?: string; doneBy?: string; doneAt?: string };
  /** Health signals (Prometheus queries, HTTP probes); unset: the target Deployment's runbook.dev/signals annotation. */
  signals?: SignalSpec[];
}

/** A Kubernetes API convention condition. */
export interface Condition {
  /** Condition type, e.g. TargetHealthy, Acknowledged, ResponseDeadlineExceeded. */
  type: string;
  /** True, False or Unknown. */
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase reason of the last transition. */
  reason: string;
  /** One line for people. */
  message: string;
  /** When status last changed (RFC 3339). */
  lastTransitionTime: string;
  /** metadata.generation the condition was set for. */
  observedGeneration?: number;
}

/** One step of the incident's story (newest 50 kept). */
export interface TimelineEntry {
  /** When (RFC 3339). */
  time: string;
  /** Phase at that time. */
  phase?: string;
  /** What happened, e.g. Opened, Diagnosed, RollbackIntended. */
  type: string;
  /** CamelCase reason. */
  reason?: string;
  /** One line for people (PHI-safe). */
  message: string;
}

/** Observed state of the Incident, written only by the operator. */
export interface IncidentStatus {
  /** Pending, Diagnosing, Remediating, Monitoring, Escalated, Resolved or Failed. */
  phase?: Phase;
  /** Reason of the last phase change. */
  phaseReason?: string;
  /** metadata.generation last reconciled. */
  observedGeneration?: number;
  /** When the incident was opened (RFC 3339). */
  openedAt?: string;
  /** Acknowledge deadline (RFC 3339). */
  acknowledgeBy?: string;
  /** Response (resolve) deadline by severity (RFC 3339). */
  respondBy?: string;
  /** When a person acknowledged (RFC 3339). */
  acknowledgedAt?: string;
  /** When the incident was resolved (RFC 3339). */
  resolvedAt?: string;
  /** Conditions: TargetFound, TargetHealthy, Diagnosed, Acknowledged, deadlines, Escalated, Resolved, ... */
  conditions?: Condition[];
  /** The incident's story, newest 50 entries. */
  timeline?: TimelineEntry[];
  /** Timeline entries ever written (older ones are dropped from `timeline`). */
  timelineTotal?: number;
  /** Live pod counts of the target. */
  podHealth?: PodHealthStatus;
  /** Redacted, bounded evidence of the runbook's diagnose steps. */
  diagnosis?: DiagnosisStatus;
  /** Intent and outcome of rollback / query termination, recorded before and after acting. */
  remediation?: RemediationStatus;
  /** Escalation tier and notification decisions. */
  escalation?: EscalationStatus;
  /** Outbox of notifications with their delivery state. */
  notifications?: NotificationsStatus;
  /** Latest verdict of each health signal (numbers and signal names only). */
  signals?: SignalsStatus;
}

export interface Incident {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: IncidentSpec;
  status?: IncidentStatus;
}

/**
 * The typed API boundary: an Incident from API JSON (a get, list, watch or write response). Checks the
 * parts every reader relies on (metadata.name/namespace, spec object) and throws on anything else.
 */
export function incidentFromApi(body: unknown): Incident {
  const o = body as Partial<Incident> | null;
  if (!o || typeof o !== 'object' || typeof o.metadata?.name !== 'string' || typeof o.metadata.namespace !== 'string' || typeof o.spec !== 'object' || o.spec === null) {
    throw new TypeError('not an Incident: metadata.name, metadata.namespace and spec are required');
  }
  return o as Incident;
}

/** A JSON round trip (drops undefined fields) that keeps the static type: for status compares and writes. */
export function jsonClone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v ?? {})) as T;
}
