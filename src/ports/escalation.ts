/** Port: the escalate and deliver steps (policy tiers, notification outbox). */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { TimelineNote } from './remediation.js';

export type EscalationNote = TimelineNote;

export interface Escalator {
  /** SLA deadlines under the incident's escalation policy (business-hours calendars for P2/P3). */
  deadlines?(incident: Incident, openedAt: Date): { acknowledgeBy: Date; respondBy: Date };
  /** Decides escalation and notifications for the (already updated) status; returns the new status. */
  escalate(incident: Incident, status: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number; notes?: EscalationNote[] }>;
  /** Delivers due notifications after status was written; returns an updated status when delivery state changed. */
  deliver?(incident: Incident, status: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number } | undefined>;
}
