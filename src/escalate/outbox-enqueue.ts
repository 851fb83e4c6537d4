/**
 * What goes into the outbox, with its body built ONCE (so every retry carries the same bytes and id):
 * notifications, fallback notifications when a target is unreachable, and PagerDuty Change Events for the
 * rollbacks and query terminations the operator performed. Pure (time passed in).
 */
import { createHash } from 'node:crypto';
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { NotificationTargetStatus, NotificationsStatus, OutboxEntry } from '../api/notifications.js';
import type { EscalationPolicySpec, EscalationTarget } from '../decide/escalation.js';
import { decideFallback, type FallbackDecision } from '../decide/notification-fallback.js';
import type { Severity } from '../decide/sla.js';
import { outboxKey, type NewOutboxEntry } from '../notify/outbox.js';
import { buildSlackMessage } from '../notify/slack.js';
import { buildStoredPagerDutyEvent } from '../notify/pagerduty.js';
import { buildWebhookBody } from '../notify/webhook.js';
import { buildChangeEvent, type OperatorChange, type OperatorChangeAction } from '../notify/pagerduty-change.js';
import type { NotificationKind } from '../notify/types.js';
import { buildNotificationEvent } from './notification-event.js';

/** Stable delivery id: unique across incidents, the same on every attempt. */
export function deliveryId(incident: Incident, key: string): string {
  const uid = incident.metadata.uid ?? `${incident.metadata.namespace}/${incident.metadata.name}`;
  return `${uid}/${key}`;
}

export function bodyHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 16);
}

export interface NotificationSpec {
  key: string;
  target: EscalationTarget;
  kind: NotificationKind;
  tier: number;
  tierName: string;
  reason: string;
  ask?: string;
}

/** The stored body of a notification for one target type (JSON, no secrets). */
export function notificationBody(incident: Incident, status: IncidentStatus, spec: NotificationSpec, now: Date): string {
  const ev = buildNotificationEvent(incident, status, { kind: spec.kind, tier: spec.tier, tierName: spec.tierName, reason: spec.reason, now, ...(spec.ask ? { ask: spec.ask } : {}) });
  if (spec.target.type === 'slack') return JSON.stringify(buildSlackMessage(ev));
  if (spec.target.type === 'webhook') return JSON.stringify(buildWebhookBody(ev));
  return JSON.stringify(buildStoredPagerDutyEvent(ev));
}

export function notificationEntry(incident: Incident, status: IncidentStatus, spec: NotificationSpec, now: Date): NewOutboxEntry {
  const body = notificationBody(incident, status, spec, now);
  return { key: spec.key, target: spec.target.name, kind: spec.kind, id: deliveryId(incident, spec.key), body, bodyHash: bodyHash(body) };
}

// ---- fallback ----

export interface FallbackPlan {
  decision: FallbackDecision;
  entries: NewOutboxEntry[];
  /** Targets with `fellBackAt` set for the streaks that fired. */
  targets: NotificationTargetStatus[];
  /** Tiers notified as fallback (next tiers), to record in status.escalation.notified. */
  notifiedTiers: number[];
  /** One line per fallback that fired, for the timeline / a Warning Event. */
  messages: string[];
}

export const FallbackTrigger = 'NotificationFallback';

export function planFallback(p: {
  incident: Incident; status: IncidentStatus; policy: EscalationPolicySpec; severity: Severity;
  notifications: NotificationsStatus; fallbackAfterMs: number; now: Date;
}): FallbackPlan {
  const targets = (p.notifications.targets ?? []).map((t) => ({ ...t }));
  const tiers = p.policy.tiers.map((t) => ({ level: t.level, targets: t.targets.map((x) => x.name) }));
  const decision = decideFallback({ severity: p.severity, resolved: p.status.phase === 'Resolved', now: p.now, fallbackAfterMs: p.fallbackAfterMs, targets, tiers });
  const entries: NewOutboxEntry[] = [];
  const notifiedTiers: number[] = [];
  const messages: string[] = [];
  for (const f of decision.fire) {
    const failed = p.policy.tiers.flatMap((t) => t.targets).find((t) => t.name === f.failedTarget);
    const health = targets.find((t) => t.name === f.failedTarget);
    if (!failed || !health) continue;
    const via = failed.type; // lower case: the body redactor reads capitalised product names as personal names
    const streak = Date.parse(health.failingSince ?? '') || p.now.getTime();
    const reason = `on-call unreachable through ${via}: ${f.reason} (failing since ${health.failingSince})`;
    for (const n of f.notify) {
      const tier = p.policy.tiers.find((t) => t.level === n.tier);
      const target = tier?.targets.find((t) => t.name === n.target);
      if (!tier || !target) continue;
      const key = outboxKey('escalated', n.tier, n.target, `Fallback-${f.failedTarget}-${streak}`);
      const ask = n.tier === f.tier
        ? `Tier ${f.tier} (${tier.name}) may not have been paged: ${failed.name} is unreachable. Make sure someone acknowledges.`
        : `Tier ${f.tier} could not be reached through ${failed.name}: acknowledge and take over.`;
      entries.push(notificationEntry(p.incident, p.status, { key, target, kind: 'escalated', tier: n.tier, tierName: tier.name, reason, ask }, p.now));
    }
    if (f.nextTier !== undefined) notifiedTiers.push(f.nextTier);
    health.fellBackAt = p.now.toISOString();
    messages.push(`${failed.type} target ${failed.name} unreachable (${f.reason}); notified ${f.notify.map((n) => n.target).join(', ') || 'no other target'}`);
  }
  return { decision, entries, targets, notifiedTiers, messages };
}

// ---- PagerDuty Change Events ----

/**
 * The operator change recorded in status.remediation, when it completed after `through`: a rollback that
 * succeeded, or a query termination that signalled at least one session (even when its verification failed).
 */
export function completedChange(incident: Incident, status: IncidentStatus, through?: string): OperatorChange | undefined {
  const rem = status.remediation;
  if (!rem || typeof rem.completedAt !== 'string') return undefined;
  const terminated = rem.action === 'TerminateQueries' && (rem.terminations ?? []).some((t) => t.result === 'Terminated');
  const action: OperatorChangeAction | undefined = rem.state === 'Succeeded' && rem.reason === 'RolledBack' ? 'rollback' : terminated ? 'query-termination' : undefined;
  if (!action) return undefined;
  const done = Date.parse(rem.completedAt);
  if (!Number.isFinite(done) || (through !== undefined && done <= Date.parse(through))) return undefined;
  const change: OperatorChange = {
    action, message: typeof rem.message === 'string' ? rem.message : action, namespace: incident.metadata.namespace,
    incidentName: incident.metadata.name, incidentUid: incident.metadata.uid ?? '', at: rem.completedAt,
  };
  if (incident.spec.target?.name) change.target = incident.spec.target.name;
  return change;
}

/**
 * Change Event entries for one operator change: one per PagerDuty service of the policy (targets sharing
 * a routing-key Secret key get one event, not one per tier).
 */
export function changeEventEntries(incident: Incident, policy: EscalationPolicySpec, change: OperatorChange): NewOutboxEntry[] {
  const seen = new Set<string>();
  const out: NewOutboxEntry[] = [];
  const body = JSON.stringify(buildChangeEvent(change));
  for (const t of policy.tiers.flatMap((x) => x.targets)) {
    if (t.type !== 'pagerduty') continue;
    const service = `${t.secretRef.name}/${t.secretRef.key}`;
    if (seen.has(service)) continue;
    seen.add(service);
    const key = `change:0:${t.name}:${change.action}-${Date.parse(change.at)}`;
    out.push({ key, target: t.name, kind: 'change', id: deliveryId(incident, key), body, bodyHash: bodyHash(body) });
  }
  return out;
}

/** Entries still Pending for targets the policy no longer lists are left to the delivery step (it fails them). */
export function pendingCount(outbox: readonly OutboxEntry[]): number {
  return outbox.filter((e) => e.state === 'Pending').length;
}
