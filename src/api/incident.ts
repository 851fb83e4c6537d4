/** TypeScript shape of the runbook.dev/v1alpha1 Incident (crds/incident.yaml is the source of truth). */
export const GROUP = 'runbook.dev';
export const VERSION = 'v1alpha1';
export const INCIDENT_PLURAL = 'incidents';
export const INCIDENT_KIND = 'Incident';

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
export type RunbookKind = 'APIOutage' | 'DatabasePerformance' | 'CrashLoop';
export type Phase = 'Pending' | 'Diagnosing' | 'Remediating' | 'Monitoring' | 'Escalated' | 'Resolved' | 'Failed';

export interface IncidentSpec {
  severity: Severity;
  summary: string;
  description?: string;
  runbook?: RunbookKind;
  target?: { kind?: 'Deployment'; name: string };
  database?: {
    secretRef: { name: string };
    connectTimeoutSeconds?: number;
    longQueryThresholdSeconds?: number;
    terminateLongQueries?: boolean;
    maxTerminations?: number;
  };
  rollback?: { policy?: 'Automatic' | 'Manual' | 'Disabled'; toRevision?: number; approved?: boolean };
  escalationPolicyRef?: { name: string };
  acknowledgement?: { acknowledgedBy: string; acknowledgedAt?: string };
  resolution?: { resolvedBy: string; resolvedAt?: string; note?: string };
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface TimelineEntry {
  time: string;
  phase?: string;
  type: string;
  reason?: string;
  message: string;
}

export interface IncidentStatus {
  phase?: Phase;
  phaseReason?: string;
  observedGeneration?: number;
  openedAt?: string;
  acknowledgeBy?: string;
  respondBy?: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  conditions?: Condition[];
  timeline?: TimelineEntry[];
  timelineTotal?: number;
  podHealth?: Record<string, unknown>;
  diagnosis?: Record<string, unknown>;
  remediation?: Record<string, unknown>;
  escalation?: { tier?: number; [k: string]: unknown };
  notifications?: Record<string, unknown>;
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
