/**
 * Generic JSON webhook body and its HMAC signature (pure).
 *
 * Signature scheme: X-Incident-Timestamp = unix seconds; X-Incident-Signature = "sha256=" + hex(HMAC-SHA256(
 * secret, `${timestamp}.${body}`)). Receivers verify with `verifyWebhookSignature` (constant-time, with a
 * replay window).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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
  type ImpactDetails,
} from './format-common.js';
import type { LogSignature, NotificationEvent, NotificationKind, Severity } from './types.js';

export const WebhookSchema = 'incident-operator.io/notification/v1';
export const SignatureHeader = 'X-Incident-Signature';
export const TimestampHeader = 'X-Incident-Timestamp';
export const SignaturePrefix = 'sha256=';
export const DefaultSignatureToleranceSeconds = 300;

export interface WebhookBody {
  schema: typeof WebhookSchema;
  kind: NotificationKind;
  occurredAt: string;
  incident: {
    uid: string;
    name: string;
    namespace: string;
    severity: Severity;
    phase: string;
    target?: string;
  };
  escalation: { tier: number; tierName: string };
  summary: string;
  reason: string;
  description: string;
  impact: ImpactDetails;
  stepsAttempted: string[];
  logSignatures: LogSignature[];
  metrics: Record<string, number | string>;
  ask: string;
  links?: { label: string; href: string }[];
}

export interface WebhookSignatureHeaders {
  'X-Incident-Signature': string;
  'X-Incident-Timestamp': string;
}

export function buildWebhookBody(ev: NotificationEvent): WebhookBody {
  const body: WebhookBody = {
    schema: WebhookSchema,
    kind: ev.kind,
    occurredAt: safeIdent(ev.occurredAt, 40),
    incident: {
      uid: safeIdent(ev.incidentUid, 64),
      name: safeIdent(ev.incidentName, 253),
      namespace: safeIdent(ev.namespace, 63),
      severity: ev.severity,
      phase: safeIdent(ev.phase, 63),
    },
    escalation: { tier: ev.tier, tierName: safeIdent(ev.tierName, 80) },
    summary: safeSummary(ev.summary, 1000),
    reason: safeOperatorText(ev.reason, 500),
    description: describeIncident(ev),
    impact: impactDetails(ev.impact),
    stepsAttempted: boundedActions(ev.actionsTaken),
    logSignatures: boundedSignatures(ev.logSignatures),
    metrics: boundedMetrics(ev.metrics),
    ask: safeOperatorText(ev.ask, 1000),
  };
  if (ev.target) body.incident.target = safeIdent(ev.target, 253);
  const links = safeLinks(ev.links);
  if (links.length > 0) body.links = links;
  return body;
}

function hmacHex(body: string, secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

function unixSeconds(timestamp: number | Date): string {
  const seconds = timestamp instanceof Date ? timestamp.getTime() / 1000 : timestamp;
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error('webhook: invalid signature timestamp');
  return String(Math.floor(seconds));
}

/**
 * Signs the exact body string that will be sent. `timestamp` is unix seconds (or a Date).
 * Throws on an empty secret (the message never contains the secret).
 */
export function signWebhook(body: string, secret: string, timestamp: number | Date): WebhookSignatureHeaders {
  if (!secret) throw new Error('webhook: hmac secret is empty');
  const ts = unixSeconds(timestamp);
  const headers: WebhookSignatureHeaders = { 'X-Incident-Signature': SignaturePrefix + hmacHex(body, secret, ts), 'X-Incident-Timestamp': ts };
  return headers;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' };

/** Receiver-side check: constant-time HMAC comparison plus a replay window around `now`. */
export function verifyWebhookSignature(
  body: string,
  secret: string,
  headers: { signature?: string; timestamp?: string },
  now: Date,
  toleranceSeconds = DefaultSignatureToleranceSeconds,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !secret) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/u.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'stale' };
  if (!signature.startsWith(SignaturePrefix)) return { ok: false, reason: 'bad-signature' };
  const given = Buffer.from(signature.slice(SignaturePrefix.length), 'utf8');
  const expected = Buffer.from(hmacHex(body, secret, timestamp), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
