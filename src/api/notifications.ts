/** `status.notifications`: the durable outbox of notifications, written before anything is sent. */

/** What a notification announces. */
export type NotificationKind = 'opened' | 'escalated' | 'phase-changed' | 'acknowledged' | 'resolved' | 'postmortem-reminder';

export const NotificationKinds: readonly NotificationKind[] = ['opened', 'escalated', 'phase-changed', 'acknowledged', 'resolved', 'postmortem-reminder'];

/** Delivery state of an outbox entry (Superseded: never sent, e.g. a PagerDuty trigger made moot by its resolve). */
export type OutboxState = 'Pending' | 'Delivered' | 'Failed' | 'Superseded';

export const OutboxStates = {
  Pending: 'Pending',
  Delivered: 'Delivered',
  Failed: 'Failed',
  Superseded: 'Superseded',
} as const satisfies Record<OutboxState, OutboxState>;

/** What an outbox entry sends: a notification, or `change` (a PagerDuty Change Event for a rollback / query termination). */
export type OutboxKind = NotificationKind | 'change';

/** One notification to one target. */
export interface OutboxEntry {
  /** Dedup key, e.g. `opened:1:oncall-slack` (unique in the outbox). */
  key: string;
  /** Target name from the EscalationPolicy, never its URL. */
  target: string;
  /** What it announces (or `change`: a PagerDuty Change Event). */
  kind: OutboxKind;
  /** Pending, Delivered, Failed or Superseded. */
  state: OutboxState;
  /** Delivery attempts so far. */
  attempts: number;
  /** Next attempt not before (RFC 3339). */
  nextAttemptAt?: string;
  /** Last delivery error (redacted). */
  lastError?: string;
  /** When it was delivered (RFC 3339). */
  deliveredAt?: string;
  /** When it was enqueued (RFC 3339). */
  createdAt: string;
  /** Stable delivery id, the same on every attempt (the generic webhook's `webhook-id`): `<incident uid>/<key>`. */
  id?: string;
  /** The body, built once when enqueued (JSON without secrets); dropped once the entry is no longer Pending. */
  body?: string;
  /** First 16 hex digits of the body's SHA-256 (kept after the body is dropped). */
  bodyHash?: string;
  /** Why the entry will not be sent (again): the permanent error, giving up, or what superseded it. */
  finalReason?: string;
}

/** Delivery health of one target for this incident, and its Slack thread. */
export interface NotificationTargetStatus {
  /** Target name from the EscalationPolicy. */
  name: string;
  /** Start of the current failure streak (RFC 3339); absent when the last attempt succeeded. */
  failingSince?: string;
  /** Last delivery error (names the target and the HTTP status or error code, never a URL or key). */
  lastError?: string;
  /** The last failure is permanent (4xx, bad Secret): retrying cannot help. */
  permanent?: boolean;
  /** When the fallback (other targets of the tier, the next tier) fired for the current streak (RFC 3339). */
  fellBackAt?: string;
  /** Slack app targets: `ts` of the incident's first message; follow-ups go into its thread. */
  threadTs?: string;
}

/** The outbox. */
export interface NotificationsStatus {
  /** Entries, oldest first (bounded). */
  outbox?: OutboxEntry[];
  /** Per-target delivery health (fallback, NotificationsFailing) and Slack threads. */
  targets?: NotificationTargetStatus[];
  /** Completion time (RFC 3339) of the last rollback / query termination sent as a PagerDuty Change Event. */
  changeEventsThrough?: string;
}
