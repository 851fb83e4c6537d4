/**
 * Delivers an Incident's outbox: in creation order per target (decide/delivery-order.ts), with the retry
 * schedule of the incident's severity (decide/retry-schedule.ts), the body stored at enqueue and a stable
 * delivery id, and per-target health (failure streaks for the fallback, Slack threads) in status.
 *
 * When an attempt succeeds, the next entry of that target is sent in the same call (up to `maxRounds`), so a
 * recovered receiver gets its backlog without waiting for another reconcile.
 */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { NotificationTargetStatus, NotificationsStatus, OutboxEntry } from '../api/notifications.js';
import type { EscalationPolicySpec, EscalationTarget, SecretKeyRef } from '../decide/escalation.js';
import { nextDeliveryWakeup, planDelivery } from '../decide/delivery-order.js';
import { decideRetry, type RetrySchedule } from '../decide/retry-schedule.js';
import { nextTargetHealth } from '../decide/notification-fallback.js';
import { applyAttempt, boundedError, supersede, type AfterFailure } from '../notify/outbox.js';
import { prepareRequest, type DeliveryEndpoints } from '../notify/delivery-request.js';
import type { DeliveryResult, PreparedRequest } from '../notify/types.js';
import { deliveryId } from './outbox-enqueue.js';

export type SecretRead = { value: string } | { missing: true } | { unreadable: true };

export interface DeliverySettings {
  schedule: RetrySchedule;
  endpoints: DeliveryEndpoints;
  /** Entries sent per round (one per target at most). Default 10. */
  maxPerRound?: number;
  /** Rounds per call while deliveries succeed. Default 5. */
  maxRounds?: number;
}

export interface DeliveryContext {
  incident: Incident;
  status: IncidentStatus;
  policy: EscalationPolicySpec;
  settings: DeliverySettings;
  readSecret(ref: SecretKeyRef): Promise<SecretRead>;
  send(req: PreparedRequest): Promise<DeliveryResult>;
  now(): Date;
  rand(): number;
  /** Body for entries enqueued before bodies were stored. */
  legacyBody(entry: OutboxEntry, target: EscalationTarget): string;
  onAttempt?(target: EscalationTarget, entry: OutboxEntry, result: DeliveryResult): void;
}

export interface DeliveryOutcome {
  notifications: NotificationsStatus;
  /** Whether anything in `notifications` changed. */
  changed: boolean;
  requeueAfterMs?: number;
}

export const SupersededReason = 'superseded: the incident resolved before anything was sent to this pager (nobody to page)';

function targetOf(policy: EscalationPolicySpec, name: string): EscalationTarget | undefined {
  return policy.tiers.flatMap((t) => t.targets).find((t) => t.name === name);
}

const fail = (error: string, retryable: boolean): DeliveryResult => ({ ok: false, retryable, error });

async function readValue(ctx: DeliveryContext, target: EscalationTarget, ref: SecretKeyRef, what: string): Promise<{ value: string } | { result: DeliveryResult }> {
  const r = await ctx.readSecret(ref);
  if ('value' in r) return { value: r.value };
  const prefix = `${target.type} target ${target.name}`;
  if ('missing' in r) return { result: fail(`${prefix}: Secret ${ref.name} or its key ${ref.key} (${what}) not found`, false) };
  return { result: fail(`${prefix}: Secret ${ref.name} could not be read`, true) };
}

/** One attempt, timed: the next one is scheduled from when THIS attempt ended (not the slowest of the round). */
async function timedAttempt(ctx: DeliveryContext, entry: OutboxEntry, health: NotificationTargetStatus | undefined): Promise<{ target?: EscalationTarget; result: DeliveryResult; at: Date }> {
  const r = await attempt(ctx, entry, health);
  return { ...r, at: ctx.now() };
}

async function attempt(ctx: DeliveryContext, entry: OutboxEntry, health: NotificationTargetStatus | undefined): Promise<{ target?: EscalationTarget; result: DeliveryResult }> {
  const target = targetOf(ctx.policy, entry.target);
  if (!target) return { result: fail(`target ${entry.target} is no longer in the escalation policy`, false) };
  if (entry.kind === 'change' && target.type !== 'pagerduty') return { target, result: fail(`${target.type} target ${target.name}: change events go to PagerDuty only`, false) };
  const main = await readValue(ctx, target, target.secretRef, target.type === 'pagerduty' ? 'routing key' : target.channel ? 'bot token' : 'URL');
  if ('result' in main) return { target, result: main.result };
  let hmacSecret: string | undefined;
  if (target.type === 'webhook' && target.hmacSecretRef) {
    const h = await readValue(ctx, target, target.hmacSecretRef, 'signing key');
    if ('result' in h) return { target, result: h.result };
    hmacSecret = h.value;
  }
  const body = entry.body ?? ctx.legacyBody(entry, target);
  const req = prepareRequest(
    { id: entry.id ?? deliveryId(ctx.incident, entry.key), kind: entry.kind, body },
    { type: target.type, name: target.name, value: main.value, ...(hmacSecret ? { hmacSecret } : {}), ...(target.channel ? { channel: target.channel } : {}), ...(health?.threadTs ? { threadTs: health.threadTs } : {}) },
    ctx.now(), ctx.settings.endpoints,
  );
  return { target, result: await ctx.send(req) };
}

function updateHealth(targets: NotificationTargetStatus[], target: EscalationTarget | undefined, name: string, result: DeliveryResult, now: Date): NotificationTargetStatus[] {
  const prev = targets.find((t) => t.name === name);
  const next: NotificationTargetStatus = { ...nextTargetHealth(prev, name, result.ok ? result : { ...result, error: boundedError(result.error) }, now) };
  const threadTs = prev?.threadTs ?? (result.ok && target?.type === 'slack' && target.channel ? result.messageTs : undefined);
  if (threadTs) next.threadTs = threadTs;
  return prev ? targets.map((t) => (t.name === name ? next : t)) : [...targets, next];
}

export async function deliverOutbox(ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const before = ctx.status.notifications ?? {};
  let outbox: OutboxEntry[] = (before.outbox ?? []).map((e) => ({ ...e }));
  let targets: NotificationTargetStatus[] = (before.targets ?? []).map((t) => ({ ...t }));
  const isPager = (name: string) => targetOf(ctx.policy, name)?.type === 'pagerduty';
  const policy = ctx.settings.schedule[ctx.incident.spec.severity];
  const open = ctx.status.phase !== 'Resolved' && ctx.status.phase !== 'Failed';
  const maxPerRound = ctx.settings.maxPerRound ?? 10;
  let changed = false;

  for (let round = 0; round < (ctx.settings.maxRounds ?? 5); round++) {
    const plan = planDelivery(outbox, ctx.now(), isPager);
    if (plan.supersede.length) { outbox = supersede(outbox, plan.supersede, SupersededReason); changed = true; }
    const due = plan.send.slice(0, maxPerRound).map((k) => outbox.find((e) => e.key === k)!);
    if (due.length === 0) break;
    const results = await Promise.all(due.map(async (entry) => ({ entry, ...(await timedAttempt(ctx, entry, targets.find((t) => t.name === entry.target))) })));
    for (const { entry, target, result, at } of results) {
      if (target) ctx.onAttempt?.(target, entry, result);
      const afterFailure = (e: OutboxEntry, attempts: number): AfterFailure => {
        const d = decideRetry({ policy, failures: attempts, retryable: result.retryable, retryAfterSeconds: result.retryAfterSeconds, createdAt: new Date(e.createdAt), now: at, incidentOpen: open, rand: () => ctx.rand() });
        if (d.retry) return { retry: true, nextAttemptAt: d.nextAttemptAt };
        return { retry: false, why: d.why === 'permanent' ? `permanent failure: ${result.error ?? 'not retryable'}` : `gave up after ${attempts} attempts` };
      };
      outbox = applyAttempt(outbox, entry.key, result, at, afterFailure);
      targets = updateHealth(targets, target, entry.target, result, at);
      changed = true;
    }
    if (!results.some((r) => r.result.ok)) break;
  }
  const notifications: NotificationsStatus = { ...before, outbox };
  if (targets.length) notifications.targets = targets;
  return { notifications, changed, requeueAfterMs: nextDeliveryWakeup(outbox, ctx.now(), isPager) };
}
