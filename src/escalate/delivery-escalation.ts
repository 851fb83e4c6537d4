/**
 * The escalate step's part of reliable delivery (pure, time passed in): the fallback when a target is
 * unreachable (notifications to the tier's other targets and the next tier, recorded as a notification of
 * that tier), the `NotificationsFailing` condition with its Warning / Normal notes, and PagerDuty Change
 * Events for the rollback or query termination recorded in status.
 */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { NotificationRecord } from '../api/escalation.js';
import type { NotificationTargetStatus, NotificationsStatus } from '../api/notifications.js';
import { ConditionType, Reason } from '../api/reasons.js';
import type { EscalationPolicySpec } from '../decide/escalation.js';
import { setCondition } from '../decide/status-ops.js';
import type { NewOutboxEntry } from '../notify/outbox.js';
import { changeEventEntries, completedChange, FallbackTrigger, planFallback } from './outbox-enqueue.js';

export interface DeliveryNote { type: string; reason: string; message: string; warn?: boolean }

export interface DeliveryEscalation {
  entries: NewOutboxEntry[];
  /** notifications.targets with fallback markers. */
  targets: NotificationTargetStatus[];
  /** Records to append to status.escalation.notified (fallback tiers). */
  notified: NotificationRecord[];
  notes: DeliveryNote[];
  conditions: IncidentStatus['conditions'];
  changeEventsThrough?: string;
  /** When to evaluate again (a failing target reaching the fallback time). */
  nextCheckAt?: Date;
  /** Target types of the unreachable targets that fell back now (for the metric). */
  fellBack: string[];
}

export function deliveryEscalation(p: {
  incident: Incident; status: IncidentStatus; policy: EscalationPolicySpec; now: Date; fallbackAfterMs: number;
}): DeliveryEscalation {
  const notifications: NotificationsStatus = p.status.notifications ?? {};
  const plan = planFallback({ incident: p.incident, status: p.status, policy: p.policy, severity: p.incident.spec.severity, notifications, fallbackAfterMs: p.fallbackAfterMs, now: p.now });
  const notes: DeliveryNote[] = [];
  const at = p.now.toISOString();
  const notified = [...new Set(plan.notifiedTiers)].map((tier) => ({ tier, trigger: FallbackTrigger, at }));
  for (const m of plan.messages) notes.push({ type: 'NotificationFallback', reason: Reason.NotificationFallback, message: m, warn: true });

  const prev = p.status.conditions?.find((c) => c.type === ConditionType.NotificationsFailing);
  let conditions = p.status.conditions;
  const gen = p.incident.metadata.generation;
  if (plan.decision.unreachable.length > 0) {
    const message = plan.decision.unreachable.map((u) => `${u.reason}${u.permanent ? ' (permanent)' : ''}, failing since ${u.since}`).join('; ');
    conditions = setCondition(conditions, { type: ConditionType.NotificationsFailing, status: 'True', reason: Reason.TargetUnreachable, message }, p.now, gen);
    if (prev?.status !== 'True') notes.push({ type: 'NotificationsFailing', reason: Reason.TargetUnreachable, message, warn: true });
  } else if (prev?.status === 'True') {
    const message = 'every notification target delivered again';
    conditions = setCondition(conditions, { type: ConditionType.NotificationsFailing, status: 'False', reason: Reason.NotificationsDelivered, message }, p.now, gen);
    notes.push({ type: 'NotificationsRecovered', reason: Reason.NotificationsDelivered, message });
  }

  const entries = [...plan.entries];
  const change = completedChange(p.incident, p.status, notifications.changeEventsThrough);
  let changeEventsThrough = notifications.changeEventsThrough;
  if (change) {
    entries.push(...changeEventEntries(p.incident, p.policy, change));
    changeEventsThrough = change.at;
  }
  const out: DeliveryEscalation = {
    entries, targets: plan.targets, notified, notes, conditions,
    fellBack: plan.decision.fire.map((f) => p.policy.tiers.flatMap((t) => t.targets).find((t) => t.name === f.failedTarget)?.type ?? 'unknown'),
  };
  if (changeEventsThrough) out.changeEventsThrough = changeEventsThrough;
  if (plan.decision.nextCheckAt) out.nextCheckAt = plan.decision.nextCheckAt;
  return out;
}
