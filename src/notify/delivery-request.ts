/**
 * Turns a stored notification (its body built ONCE, at enqueue) into the HTTP request of one attempt — pure.
 *
 * The payload bytes depend only on the stored body and stable per-target data (routing key, Slack channel
 * and thread), so every retry of an entry carries the same bytes and the same delivery id. Only the
 * Standard Webhooks timestamp and signature are per attempt (receivers reject stale timestamps).
 * Secrets (routing key, bot token, webhook URL, HMAC key) are inputs here and never stored in status.
 */
import { standardWebhookHeaders } from './standard-webhooks.js';
import { signWebhook } from './webhook.js';
import { postMessagePayload, SlackPostMessageUrl } from './slack-api.js';
import { PagerDutyEventsUrl } from './pagerduty.js';
import { PagerDutyChangeEventsUrl } from './pagerduty-change.js';
import type { NotificationTargetType, PreparedRequest } from './types.js';

export interface DeliveryEndpoints {
  pagerDutyEventsUrl?: string;
  pagerDutyChangeEventsUrl?: string;
  slackApiUrl?: string;
}

export interface StoredDelivery {
  /** Stable delivery id (`webhook-id`). */
  id: string;
  /** Outbox kind: a notification kind, or `change` (PagerDuty Change Event). */
  kind: string;
  /** The body as built at enqueue (secret-free JSON). */
  body: string;
}

export interface TargetSecrets {
  type: NotificationTargetType;
  name: string;
  /** Slack: webhook URL or bot token; PagerDuty: routing key; webhook: URL. */
  value: string;
  hmacSecret?: string;
  /** Slack app targets: the channel to post into. */
  channel?: string;
  /** Slack app targets: the thread of the incident's first message. */
  threadTs?: string;
}

/** PagerDuty change events live next to the events endpoint: …/v2/enqueue → …/v2/change/enqueue. */
export function changeEventsUrlFor(eventsUrl: string | undefined): string {
  if (!eventsUrl) return PagerDutyChangeEventsUrl;
  return /\/enqueue\/?$/u.test(eventsUrl) ? eventsUrl.replace(/\/enqueue\/?$/u, '/change/enqueue') : PagerDutyChangeEventsUrl;
}

function withRoutingKey(body: string, routingKey: string): string {
  const parsed: unknown = JSON.parse(body);
  const fields = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  return JSON.stringify({ routing_key: routingKey, ...fields });
}

export function prepareRequest(d: StoredDelivery, t: TargetSecrets, now: Date, endpoints: DeliveryEndpoints = {}): PreparedRequest {
  const base = { type: t.type, name: t.name };
  // Every request names its delivery: receivers (and proxies) of any type can de-duplicate on it.
  const id = { 'webhook-id': d.id };
  if (t.type === 'pagerduty') {
    const url = d.kind === 'change'
      ? endpoints.pagerDutyChangeEventsUrl ?? changeEventsUrlFor(endpoints.pagerDutyEventsUrl)
      : endpoints.pagerDutyEventsUrl ?? PagerDutyEventsUrl;
    return { ...base, url, headers: { ...id }, payload: withRoutingKey(d.body, t.value), answer: 'status' };
  }
  if (t.type === 'slack') {
    if (t.channel) {
      const payload = postMessagePayload(d.body, { channel: t.channel, threadTs: t.threadTs, broadcast: d.kind === 'resolved' });
      return { ...base, url: endpoints.slackApiUrl ?? SlackPostMessageUrl, headers: { ...id, authorization: `Bearer ${t.value}` }, payload, answer: 'slack-api' };
    }
    return { ...base, url: t.value, headers: { ...id }, payload: d.body, answer: 'status' };
  }
  const headers: Record<string, string> = { ...standardWebhookHeaders(d.id, d.body, now, t.hmacSecret) };
  // Kept for receivers written against the first signature scheme (X-Incident-Signature over `ts.body`).
  if (t.hmacSecret) Object.assign(headers, signWebhook(d.body, t.hmacSecret, now));
  return { ...base, url: t.value, headers, payload: d.body, answer: 'status' };
}
