/**
 * PagerDuty Events API v2 body for an incident notification (pure).
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import {
  boundedActions,
  boundedMetrics,
  boundedSignatures,
  describeIncident,
  impactDetails,
  safeIdent,
  safeLinks,
  safeOperatorText,
  safeSummary,
  truncate,
  type ImpactDetails,
} from './format-common.js';
import type { LogSignature, NotificationEvent, NotificationKind, Severity } from './types.js';

export const PagerDutyEventsUrl = 'https://events.pagerduty.com/v2/enqueue';
export const PagerDutyDedupKeyMax = 255;
export const PagerDutySummaryMax = 1024;
export const PagerDutyClient = 'incident-operator';

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PagerDutySeverities: Readonly<Record<Severity, PagerDutySeverity>> = {
  P0: 'critical',
  P1: 'error',
  P2: 'warning',
  P3: 'info',
};

export const PagerDutyActions: Readonly<Record<NotificationKind, PagerDutyAction>> = {
  opened: 'trigger',
  escalated: 'trigger',
  'phase-changed': 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
  // Never sent to PagerDuty (chat and webhook targets only); a resolve of a resolved incident would be harmless.
  'postmortem-reminder': 'resolve',
};

export interface PagerDutyCustomDetails {
  description: string;
  impact: ImpactDetails;
  steps_attempted: string[];
  log_signatures: LogSignature[];
  metrics: Record<string, number | string>;
  ask: string;
  reason: string;
  incident: string;
  namespace: string;
  phase: string;
  tier: number;
  tier_name: string;
  notification: NotificationKind;
}

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details: PagerDutyCustomDetails;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  /** Present on trigger events only (PagerDuty ignores it for acknowledge / resolve). */
  payload?: PagerDutyPayload;
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

/** dedup_key = incident UID (falls back to namespace/name), bounded to 255 characters. */
export function pagerDutyDedupKey(ev: NotificationEvent): string {
  const key = ev.incidentUid.trim() || `${ev.namespace}/${ev.incidentName}`;
  return key.slice(0, PagerDutyDedupKeyMax);
}

function isoTimestamp(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * Builds the Events API v2 body. `routingKey` is a secret: the returned object must be sent, never logged.
 * Throws if routingKey is empty (the error message does not contain it).
 */
export function buildPagerDutyEvent(ev: NotificationEvent, routingKey: string): PagerDutyEvent {
  if (!routingKey || routingKey.trim() === '') throw new Error('pagerduty: routingKey is required');
  return { routing_key: routingKey, ...buildStoredPagerDutyEvent(ev) };
}

/** The event without its routing key (a secret): what the outbox stores; the key is added when sending. */
export type StoredPagerDutyEvent = Omit<PagerDutyEvent, 'routing_key'>;

export function buildStoredPagerDutyEvent(ev: NotificationEvent): StoredPagerDutyEvent {
  const action = PagerDutyActions[ev.kind];
  const body: StoredPagerDutyEvent = { event_action: action, dedup_key: pagerDutyDedupKey(ev) };
  if (action !== 'trigger') return body;

  const namespace = safeIdent(ev.namespace, 63);
  const name = safeIdent(ev.incidentName, 253);
  const component = safeIdent(ev.target ?? ev.incidentName, 253);
  const tierName = safeIdent(ev.tierName, 80);
  const summary = truncate(
    `[${ev.severity}] ${namespace}/${component}: ${safeSummary(ev.summary, 900)} (tier ${ev.tier} ${tierName})`,
    PagerDutySummaryMax,
  );
  const payload: PagerDutyPayload = {
    summary,
    source: ev.target ? `k8s:${namespace}/deployment/${component}` : `k8s:${namespace}/incident/${name}`,
    severity: PagerDutySeverities[ev.severity],
    component,
    group: namespace,
    class: ev.kind,
    custom_details: {
      description: describeIncident(ev),
      impact: impactDetails(ev.impact),
      steps_attempted: boundedActions(ev.actionsTaken),
      log_signatures: boundedSignatures(ev.logSignatures),
      metrics: boundedMetrics(ev.metrics),
      ask: safeOperatorText(ev.ask, 1000),
      reason: safeOperatorText(ev.reason, 500),
      incident: name,
      namespace,
      phase: safeIdent(ev.phase, 63),
      tier: ev.tier,
      tier_name: tierName,
      notification: ev.kind,
    },
  };
  const timestamp = isoTimestamp(ev.occurredAt);
  if (timestamp) payload.timestamp = timestamp;
  body.payload = payload;

  body.client = PagerDutyClient;
  const links = safeLinks(ev.links);
  const incidentLink = links.find((l) => l.label === 'Incident');
  if (incidentLink) body.client_url = incidentLink.href;
  if (links.length > 0) body.links = links.map((l) => ({ href: l.href, text: l.label }));
  return body;
}
