/** `status.escalation`: the current tier and who was notified (runbook "Escalation Procedures"). */

/** One notification decision, recorded when made. */
export interface NotificationRecord {
  /** Tier notified. */
  tier: number;
  /** What fired it: OnOpen, AcknowledgeDeadlineExceeded, ..., Repeat. */
  trigger: string;
  /** RFC 3339 time the notification was decided. */
  at: string;
}

/** Escalation state. */
export interface EscalationStatus {
  /** Highest tier notified (1 on-call, 2 team lead, 3 VP/CTO). */
  tier?: number;
  /** Which EscalationPolicy applies: IncidentRef, NamespaceDefault, OperatorDefault, BuiltIn. */
  policy?: string;
  /** Notification decisions, newest last (at most 50). */
  notified?: NotificationRecord[];
  /** When the policy is evaluated next (RFC 3339). */
  nextEvaluationAt?: string;
  /** The phase stakeholders were last told about. */
  lastNotifiedPhase?: string;
}
