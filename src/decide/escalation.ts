// Escalation decisions for the runbook's "Escalation Procedures" (Tier 1 on-call engineer,
// Tier 2 engineering team lead, Tier 3 VP of Engineering / CTO). Types mirror
// crds/escalationpolicy.yaml (runbook.dev/v1alpha1 EscalationPolicy, .spec).
//
// Semantics of decideEscalation (pure, time passed in):
// - Nothing fires once the incident is resolved.
// - OnOpen: the severity rule's tierOnOpen, else every tier listing OnOpen; due at openedAt.
// - AcknowledgeDeadlineExceeded: tiers listing it, due at deadlines.acknowledgeBy, unless acknowledged.
// - ResponseDeadlineExceeded: tiers listing it, due at deadlines.respondBy (acknowledging does not stop it).
// - AfterDelay: tiers listing it, due at openedAt + delayMinutes.
// - RemediationFailed / RemediationRefused: once per incident each, to the next tier above the current
//   one that lists the trigger (escalateToNextTier).
// - Repeat (severityRules[].repeatMinutes): while unacknowledged, re-notify the current tier
//   repeatMinutes after its last notification.
// - A (tier, trigger) pair present in `notified` never fires again (except Repeat, which is timed).
// - businessHoursOnly severities (never P0: the runbook pages P0 24/7) fire nothing outside the
//   policy calendar; what is due waits for the next business-hours start (nextEvaluationAt).
//   An invalid or missing calendar fails open: the severity pages 24/7.
// Messages carry only severity, times and tier names, never incident content. Which policy applies, and
// its validation: escalation-policy.ts.

import { computeDeadlines, type DeadlineOptions, type Deadlines, type Severity } from './sla.js';
import {
  isWithinBusinessHours,
  nextBusinessHoursStart,
  validateBusinessCalendar,
  type BusinessCalendar,
} from './business-hours.js';
import type { NotificationRecord } from '../api/escalation.js';
import type { OwnerRollbackPolicy } from './owner-strategy-source.js';
export type { NotificationRecord } from '../api/escalation.js';

export type TargetType = 'slack' | 'pagerduty' | 'webhook';
export const TARGET_TYPES: readonly TargetType[] = ['slack', 'pagerduty', 'webhook'];

export type EscalationTrigger =
  | 'OnOpen'
  | 'AcknowledgeDeadlineExceeded'
  | 'ResponseDeadlineExceeded'
  | 'RemediationFailed'
  | 'RemediationRefused'
  | 'AfterDelay';
export const ESCALATION_TRIGGERS: readonly EscalationTrigger[] = [
  'OnOpen',
  'AcknowledgeDeadlineExceeded',
  'ResponseDeadlineExceeded',
  'RemediationFailed',
  'RemediationRefused',
  'AfterDelay',
];
/** Triggers as recorded in notifications: the policy triggers plus timed repeats. */
export type FiredTrigger = EscalationTrigger | 'Repeat';
export type RemediationOutcome = 'None' | 'Succeeded' | 'Failed' | 'Refused';

export const EscalationReasons = {
  IncidentOpened: 'IncidentOpened',
  AcknowledgeDeadlineExceeded: 'AcknowledgeDeadlineExceeded',
  ResponseDeadlineExceeded: 'ResponseDeadlineExceeded',
  RemediationFailed: 'RemediationFailed',
  RemediationRefused: 'RemediationRefused',
  EscalationDelayElapsed: 'EscalationDelayElapsed',
  NotificationRepeated: 'NotificationRepeated',
} as const;
export type EscalationReason = (typeof EscalationReasons)[keyof typeof EscalationReasons];

const REASON_BY_TRIGGER: Record<FiredTrigger, EscalationReason> = {
  OnOpen: EscalationReasons.IncidentOpened,
  AcknowledgeDeadlineExceeded: EscalationReasons.AcknowledgeDeadlineExceeded,
  ResponseDeadlineExceeded: EscalationReasons.ResponseDeadlineExceeded,
  RemediationFailed: EscalationReasons.RemediationFailed,
  RemediationRefused: EscalationReasons.RemediationRefused,
  AfterDelay: EscalationReasons.EscalationDelayElapsed,
  Repeat: EscalationReasons.NotificationRepeated,
};

export const MIN_TIER_LEVEL = 1;
export const MAX_TIER_LEVEL = 3;
export const MAX_TARGETS_PER_TIER = 10;
/** A namespace's default policy is the EscalationPolicy with this name in that namespace. */
export const NAMESPACE_DEFAULT_POLICY_NAME = 'default';
/** Secret referenced by the built-in default policy (and deploy/samples). */
export const DEFAULT_NOTIFICATION_SECRET = 'incident-notifications';

export interface SecretKeyRef {
  name: string;
  key: string;
}
export interface EscalationTarget {
  type: TargetType;
  name: string;
  /** Slack: webhook URL; PagerDuty: routing key; webhook: URL. */
  secretRef: SecretKeyRef;
  /** webhook only: HMAC signing key. */
  hmacSecretRef?: SecretKeyRef;
  /** slack only: post with chat.postMessage into this channel (the Secret then holds a bot token) and thread follow-ups. */
  channel?: string;
}
export interface EscalationTier {
  name: string;
  /** 1..3; tiers are ordered 1, 2, 3 without gaps. */
  level: number;
  targets: EscalationTarget[];
  triggers: EscalationTrigger[];
  /** Required with (and only with) the AfterDelay trigger. */
  delayMinutes?: number;
}
export interface SeverityRule {
  severity: Severity;
  tierOnOpen?: number;
  businessHoursOnly: boolean;
  repeatMinutes?: number;
}
export interface EscalationPolicySpec {
  tiers: EscalationTier[];
  severityRules: SeverityRule[];
  calendar?: BusinessCalendar;
  notifyOnPhaseChange: boolean;
  /** Rollback strategy per manifest owner for Incidents using this policy (src/decide/owner-strategy-source.ts). */
  ownerRollback?: OwnerRollbackPolicy;
}

export interface EscalationInput {
  policy: EscalationPolicySpec;
  severity: Severity;
  openedAt: Date;
  deadlines: Deadlines;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  remediation: RemediationOutcome;
  /** Highest tier notified so far (0: none). */
  currentTier: number;
  notified: NotificationRecord[];
  now: Date;
}
export interface Notification {
  tier: number;
  trigger: FiredTrigger;
  reason: EscalationReason;
  message: string;
}
export interface EscalationDecision {
  /** Highest tier notified after this decision's notifications are sent. */
  tier: number;
  fire: Notification[];
  /** When something becomes due next; undefined when nothing is pending. */
  nextEvaluationAt?: Date;
}

const MINUTE_MS = 60_000;

function sortedTiers(policy: EscalationPolicySpec): EscalationTier[] {
  return [...policy.tiers].sort((a, b) => a.level - b.level);
}

export function severityRuleFor(policy: EscalationPolicySpec, severity: Severity): SeverityRule {
  return (policy.severityRules ?? []).find((r) => r.severity === severity) ?? { severity, businessHoursOnly: false };
}

/** The calendar gating this severity's notifications, or undefined when it pages 24/7. */
export function businessHoursGate(policy: EscalationPolicySpec, severity: Severity): BusinessCalendar | undefined {
  const rule = severityRuleFor(policy, severity);
  if (!rule.businessHoursOnly || severity === 'P0' || !policy.calendar) return undefined;
  return validateBusinessCalendar(policy.calendar).length === 0 ? policy.calendar : undefined;
}

/** SLA deadlines under a policy: business-hours-only severities count business time only. */
export function policyDeadlines(
  policy: EscalationPolicySpec,
  severity: Severity,
  openedAt: Date,
  opts: Omit<DeadlineOptions, 'businessCalendar'> = {},
): Deadlines {
  const gate = businessHoursGate(policy, severity);
  return computeDeadlines(severity, openedAt, gate ? { ...opts, businessCalendar: gate } : opts);
}

/** The lowest tier above `currentTier` (listing `trigger`, when given); undefined at the top. */
export function escalateToNextTier(
  policy: EscalationPolicySpec,
  currentTier: number,
  trigger?: EscalationTrigger,
): EscalationTier | undefined {
  return sortedTiers(policy).find((t) => t.level > currentTier && (!trigger || t.triggers.includes(trigger)));
}

function openTiers(policy: EscalationPolicySpec, rule: SeverityRule): EscalationTier[] {
  const tiers = sortedTiers(policy);
  if (rule.tierOnOpen === undefined) return tiers.filter((t) => t.triggers.includes('OnOpen'));
  const wanted = rule.tierOnOpen;
  const tier = tiers.find((t) => t.level >= wanted) ?? tiers[tiers.length - 1];
  return tier ? [tier] : [];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function decideEscalation(input: EscalationInput): EscalationDecision {
  const { policy, severity, now, deadlines } = input;
  const nowMs = now.getTime();
  const initialTier = Math.max(0, input.currentTier, ...input.notified.map((n) => n.tier));
  let tier = initialTier;
  if (input.resolvedAt) return { tier, fire: [] };

  const rule = severityRuleFor(policy, severity);
  const gate = businessHoursGate(policy, severity);
  const deferredUntil = gate && !isWithinBusinessHours(gate, now) ? nextBusinessHoursStart(gate, now) : undefined;
  const sent = new Set(input.notified.map((n) => `${n.tier}/${n.trigger}`));
  const fire: Notification[] = [];
  const pending: number[] = [];

  const consider = (t: EscalationTier, trigger: FiredTrigger, dueMs: number, why: string): void => {
    if (trigger !== 'Repeat' && sent.has(`${t.level}/${trigger}`)) return;
    if (dueMs > nowMs) {
      pending.push(gate ? nextBusinessHoursStart(gate, new Date(dueMs)).getTime() : dueMs);
      return;
    }
    if (deferredUntil) {
      pending.push(deferredUntil.getTime());
      return;
    }
    sent.add(`${t.level}/${trigger}`);
    tier = Math.max(tier, t.level);
    const verb = t.level > initialTier && trigger !== 'OnOpen' ? 'escalating to' : 'notifying';
    fire.push({
      tier: t.level,
      trigger,
      reason: REASON_BY_TRIGGER[trigger],
      message: `${severity} incident ${why}; ${verb} tier ${t.level} (${t.name})`,
    });
  };
  const withTrigger = (trigger: EscalationTrigger): EscalationTier[] =>
    sortedTiers(policy).filter((t) => t.triggers.includes(trigger));
  const openedMs = input.openedAt.getTime();

  for (const t of openTiers(policy, rule)) {
    if (t.level > initialTier) consider(t, 'OnOpen', openedMs, `opened at ${iso(openedMs)}`);
  }
  if (!input.acknowledgedAt) {
    const ackBy = deadlines.acknowledgeBy.getTime();
    for (const t of withTrigger('AcknowledgeDeadlineExceeded')) {
      consider(t, 'AcknowledgeDeadlineExceeded', ackBy, `not acknowledged by ${iso(ackBy)}`);
    }
  }
  const respondBy = deadlines.respondBy.getTime();
  for (const t of withTrigger('ResponseDeadlineExceeded')) {
    consider(t, 'ResponseDeadlineExceeded', respondBy, `not resolved by ${iso(respondBy)}`);
  }
  for (const t of withTrigger('AfterDelay')) {
    const delay = t.delayMinutes;
    if (delay !== undefined) consider(t, 'AfterDelay', openedMs + delay * MINUTE_MS, `still open after ${delay} minutes`);
  }
  const remediationTrigger: EscalationTrigger | undefined =
    input.remediation === 'Failed' ? 'RemediationFailed' : input.remediation === 'Refused' ? 'RemediationRefused' : undefined;
  if (remediationTrigger && !input.notified.some((n) => n.trigger === remediationTrigger)) {
    const next = escalateToNextTier(policy, tier, remediationTrigger);
    const why = remediationTrigger === 'RemediationFailed' ? 'automated remediation failed' : 'automated remediation was refused';
    if (next) consider(next, remediationTrigger, nowMs, why);
  }
  const current = sortedTiers(policy).find((t) => t.level === tier);
  if (rule.repeatMinutes && !input.acknowledgedAt && current) {
    // Repeat relative to the tier's latest notification, including one sent by this decision.
    const times = input.notified.filter((n) => n.tier === tier).map((n) => Date.parse(n.at));
    if (fire.some((f) => f.tier === tier)) times.push(nowMs);
    const last = Math.max(...times.filter(Number.isFinite));
    const repeatMs = rule.repeatMinutes * MINUTE_MS;
    if (Number.isFinite(last)) consider(current, 'Repeat', last + repeatMs, 'still not acknowledged');
    if (fire.at(-1)?.trigger === 'Repeat') consider(current, 'Repeat', nowMs + repeatMs, 'still not acknowledged');
  }

  const decision: EscalationDecision = { tier, fire };
  if (pending.length > 0) decision.nextEvaluationAt = new Date(Math.min(...pending));
  return decision;
}

function target(type: TargetType, name: string, key: string): EscalationTarget {
  const t: EscalationTarget = { type, name, secretRef: { name: DEFAULT_NOTIFICATION_SECRET, key } };
  if (type === 'webhook') t.hmacSecretRef = { name: DEFAULT_NOTIFICATION_SECRET, key: 'webhook-hmac' };
  return t;
}

/**
 * The runbook's default policy. P1 pages 24/7 although the runbook's table says "business hours",
 * because On-Call Responsibilities say to begin investigating P0/P1 immediately. The calendar is a
 * placeholder (Mon-Fri 09:00-17:00 UTC): set the organisation's own.
 */
export function defaultEscalationPolicy(): EscalationPolicySpec {
  return {
    tiers: [
      {
        name: 'On-call engineer',
        level: 1,
        targets: [target('pagerduty', 'on-call-pagerduty', 'pagerduty-routing-key'), target('slack', 'on-call-slack', 'slack-url')],
        triggers: ['OnOpen'],
      },
      {
        name: 'Engineering team lead',
        level: 2,
        targets: [target('pagerduty', 'team-lead-pagerduty', 'pagerduty-routing-key'), target('slack', 'team-lead-slack', 'slack-url')],
        triggers: ['AcknowledgeDeadlineExceeded', 'RemediationFailed', 'RemediationRefused'],
      },
      {
        name: 'VP of Engineering / CTO',
        level: 3,
        targets: [target('pagerduty', 'leadership-pagerduty', 'pagerduty-routing-key'), target('webhook', 'leadership-webhook', 'webhook-url')],
        triggers: ['ResponseDeadlineExceeded', 'RemediationFailed', 'RemediationRefused'],
      },
    ],
    severityRules: [
      { severity: 'P0', tierOnOpen: 1, businessHoursOnly: false, repeatMinutes: 5 },
      { severity: 'P1', tierOnOpen: 1, businessHoursOnly: false, repeatMinutes: 15 },
      { severity: 'P2', tierOnOpen: 1, businessHoursOnly: true },
      { severity: 'P3', tierOnOpen: 1, businessHoursOnly: true },
    ],
    calendar: { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00' },
    notifyOnPhaseChange: true,
  };
}
