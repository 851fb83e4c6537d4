/**
 * Plain data types for outgoing incident notifications.
 *
 * These are deliberately free of Kubernetes client types: the controller maps the Incident CRD onto a
 * NotificationEvent, and the formatters / sender / outbox only ever see these shapes.
 */

import type { Severity } from '../api/incident.js';

export type { Severity } from '../api/incident.js';

export const Severities: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

export { NotificationKinds, type NotificationKind } from '../api/notifications.js';
import type { NotificationKind } from '../api/notifications.js';

/** Links shown to the reader. Must be operator-controlled URLs (never a Secret, never user input). */
export interface NotificationLinks {
  /** Incident page / dashboard entry for this incident. */
  incident?: string;
  /** Runbook section to follow. */
  runbook?: string;
  /** Metrics dashboard (e.g. Grafana). */
  dashboard?: string;
  /** Log search for the affected workload. */
  logs?: string;
}

export interface NotificationImpact {
  replicasAvailable?: number;
  replicasDesired?: number;
  /** Seconds since the incident was opened. */
  openForSeconds: number;
}

export interface LogSignature {
  /** A fingerprinted log pattern (constants replaced), never a raw log line. */
  signature: string;
  count: number;
}

export interface NotificationEvent {
  incidentUid: string;
  incidentName: string;
  namespace: string;
  severity: Severity;
  /** Incident phase, e.g. "Investigating", "Mitigating", "Resolved". */
  phase: string;
  summary: string;
  /** Affected workload, e.g. a Deployment name. */
  target?: string;
  /** Escalation tier (1 = on-call engineer, 2 = team lead, 3 = VP Eng / CTO). */
  tier: number;
  tierName: string;
  kind: NotificationKind;
  /** Why this notification is sent (e.g. "not acknowledged within 15m"). */
  reason: string;
  /** Timeline of actions already taken (already redacted upstream; formatters redact again). */
  actionsTaken: string[];
  impact: NotificationImpact;
  logSignatures: LogSignature[];
  metrics: Record<string, number | string>;
  /** What is asked of the reader (e.g. "Acknowledge within 15 minutes and decide on rollback"). */
  ask: string;
  links?: NotificationLinks;
  /**
   * When the event happened (ISO 8601). Supplied by the caller so formatters stay pure;
   * used for the PagerDuty payload timestamp and the webhook body.
   */
  occurredAt: string;
}

export type NotificationTargetType = 'slack' | 'pagerduty' | 'webhook';

/**
 * A delivery destination. `url`, `routingKey` and `hmacSecret` come from Secrets:
 * never log them, never put them in status, errors or events.
 */
export interface NotificationTarget {
  type: NotificationTargetType;
  name: string;
  url: string;
  routingKey?: string;
  hmacSecret?: string;
}

/** Outcome of one delivery attempt. `error` never contains the URL, routing key or response body. */
export interface DeliveryResult {
  ok: boolean;
  status?: number;
  retryable: boolean;
  error?: string;
  /** Parsed from a Retry-After header (429/503), in seconds. */
  retryAfterSeconds?: number;
  /** Slack Web API: the `ts` of the posted message (the thread to reply into). */
  messageTs?: string;
}

/**
 * One HTTP request, fully prepared (see delivery-request.ts): the same entry always yields the same
 * payload bytes; only per-attempt headers (webhook-timestamp, webhook-signature) change.
 * `url` and `headers` may carry secrets (Slack webhook URL, bot token): never log them.
 */
export interface PreparedRequest {
  type: NotificationTargetType;
  name: string;
  url: string;
  headers: Record<string, string>;
  payload: string;
  /** How to read the answer: by status only, or as a Slack Web API JSON answer. */
  answer: 'status' | 'slack-api';
}
