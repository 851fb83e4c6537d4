/**
 * escalateToNextTier, as the runbook's "Escalation Procedures" and "On-Call Responsibilities" ask: the
 * policy decides (pure decideEscalation); what must be sent goes into the outbox in the Incident's
 * status first (durable, de-duplicated by key across restarts); delivery happens after that status is
 * written, with backoff and jitter, one entry never blocking the others.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Incident, IncidentStatus } from '../api/incident.js';
import { ConditionType, Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { resolvePolicy } from '../decide/escalation-policy.js';
import { decideEscalation, policyDeadlines, defaultEscalationPolicy, type EscalationPolicySpec, type EscalationTarget, type RemediationOutcome } from '../decide/escalation.js';
import { setCondition } from '../decide/status-ops.js';
import type { Deadlines } from '../decide/sla.js';
import { boundOutbox, enqueue, outboxKey, type NewOutboxEntry, type OutboxEntry } from '../notify/outbox.js';
import { sendPrepared } from '../notify/http-sender.js';
import type { NotificationKind } from '../notify/types.js';
import { nextDeliveryWakeup } from '../decide/delivery-order.js';
import { retryScheduleWith, type RetrySchedule } from '../decide/retry-schedule.js';
import type { SecretKeyRef } from '../decide/escalation.js';
import type { Logger } from '../log.js';
import type { PolicyObject as CachedPolicy, ReadCache } from '../ports/caches.js';
import type { Escalator, EscalationNote } from '../ports/escalation.js';
import { readSecretData } from '../kube/secrets.js';
import type { Clock } from '../runtime/clock.js';
import { notificationBody, notificationEntry } from './outbox-enqueue.js';
import { deliverOutbox, type SecretRead } from './outbox-delivery.js';
import { deliveryEscalation } from './delivery-escalation.js';
import { SecretReadError } from '../kube/secrets.js';
import { isDns1123Subdomain } from '../intake/alertmanager.js';

export interface PolicyObject { metadata?: { name?: string; namespace?: string }; spec?: EscalationPolicySpec }

/**
 * The cache holds specs the API server checked against the CRD schema; resolvePolicy validates each
 * again (validateEscalationPolicy) before use and reports the invalid ones.
 */
function policySpec(p: CachedPolicy | undefined): EscalationPolicySpec | undefined {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- schema-checked by the API server, validated by resolvePolicy
  return p?.spec as EscalationPolicySpec | undefined;
}

export interface EscalatorDeps {
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  policies: ReadCache<CachedPolicy>;
  clock: Clock;
  pagerDutyUrl?: string;
  /** One delivery attempt to a target of `targetType` (metrics): its result and the outbox entry. */
  onDelivery?(targetType: string, result: { ok: boolean; retryable?: boolean }, entry: OutboxEntry): void;
  /** A fallback fired because a target of `channel` (its type) was unreachable. */
  onFallback?(channel: string): void;
  rand?: () => number;
}

interface ResolvedFor { policy: EscalationPolicySpec; source: string; secretNamespace: string; problems: string[] }

const MAX_DELIVERIES_PER_RECONCILE = 10;
/** Shortest requeue for the outbox (something is due now). */
const MIN_OUTBOX_REQUEUE_MS = 50;
const MAX_NOTIFIED = 50;

export class PolicyEscalator implements Escalator {
  private readonly schedule: RetrySchedule;

  constructor(private readonly d: EscalatorDeps) {
    const caps = d.config.notify.retryCapMs;
    this.schedule = retryScheduleWith(Object.fromEntries(Object.entries(caps).map(([sev, capMs]) => [sev, { capMs }])));
  }

  resolve(incident: Incident): ResolvedFor {
    const ns = incident.metadata.namespace;
    const ref = incident.spec.escalationPolicyRef?.name;
    const byRef = ref ? policySpec(this.d.policies.get(ns, ref)) : undefined;
    const nsDefault = policySpec(this.d.policies.get(ns, 'default'));
    const operatorDefaultName = this.d.config.escalationPolicy;
    const opDefault = operatorDefaultName ? policySpec(this.d.policies.get(this.d.config.operatorNamespace, operatorDefaultName)) : undefined;
    const r = resolvePolicy(byRef, nsDefault, opDefault ?? defaultEscalationPolicy());
    const secretNamespace = r.source === 'IncidentRef' || r.source === 'NamespaceDefault' ? ns : this.d.config.operatorNamespace;
    // spec.escalationPolicyRef.name is free text (the CRD bounds only its length): named only when it is an object name.
    const shownRef = ref && isDns1123Subdomain(ref) ? ref : '(spec.escalationPolicyRef: not an object name)';
    const problems = r.rejected.map((x) => `${x.source === 'IncidentRef' ? `EscalationPolicy ${shownRef}` : x.source === 'NamespaceDefault' ? 'EscalationPolicy default' : `operator EscalationPolicy ${operatorDefaultName ?? ''}`} is invalid: ${x.errors.slice(0, 3).join('; ')}`);
    if (ref && !this.d.policies.get(ns, ref)) problems.unshift(`EscalationPolicy ${shownRef} not found`);
    return { policy: r.policy, source: r.source, secretNamespace, problems };
  }

  deadlines(incident: Incident, openedAt: Date): Deadlines {
    return policyDeadlines(this.resolve(incident).policy, incident.spec.severity, openedAt, {
      acknowledgeMinutes: this.d.config.acknowledgeMinutes, responseMinutes: this.d.config.responseMinutes,
    });
  }

  escalate(incident: Incident, input: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number; notes?: EscalationNote[] }> {
    return Promise.resolve(this.escalateNow(incident, input, now));
  }

  /** The escalation decision for this status (no I/O: notifications are only recorded in the outbox). */
  private escalateNow(incident: Incident, input: IncidentStatus, now: Date): { status: IncidentStatus; requeueAfterMs?: number; notes?: EscalationNote[] } {
    const status: IncidentStatus = { ...input };
    if (!status.openedAt || !status.acknowledgeBy || !status.respondBy) return { status };
    const { policy, source, problems } = this.resolve(incident);
    const notes: EscalationNote[] = [];
    policyCondition(status, problems, source, now, incident.metadata.generation, notes);
    const esc = status.escalation ?? {};
    const notified = [...(esc.notified ?? [])];
    const decision = decideEscalation({
      policy, severity: incident.spec.severity, openedAt: new Date(status.openedAt),
      deadlines: { acknowledgeBy: new Date(status.acknowledgeBy), respondBy: new Date(status.respondBy) },
      acknowledgedAt: status.acknowledgedAt ? new Date(status.acknowledgedAt) : undefined,
      resolvedAt: status.resolvedAt ? new Date(status.resolvedAt) : undefined,
      remediation: remediationOutcome(status), currentTier: esc.tier ?? 0, notified, now,
    });
    const entries: NewOutboxEntry[] = [];
    const tierOf = (level: number) => policy.tiers.find((t) => t.level === level);
    for (const f of decision.fire) {
      const tier = tierOf(f.tier);
      if (!tier) continue;
      const kind: NotificationKind = f.trigger === 'OnOpen' ? 'opened' : 'escalated';
      const disc = f.trigger === 'Repeat' ? `Repeat-${now.getTime()}` : f.trigger;
      for (const t of tier.targets) entries.push(notificationEntry(incident, status, { key: outboxKey(kind, f.tier, t.name, disc), target: t, kind, tier: f.tier, tierName: tier.name, reason: `tier ${f.tier} (${tier.name}): ${f.message}` }, now));
      notified.push({ tier: f.tier, trigger: f.trigger, at: now.toISOString() });
      notes.push({ type: f.trigger === 'OnOpen' ? 'Notified' : 'EscalatedToTier', reason: f.reason, message: `tier ${f.tier} (${tier.name}): ${f.message}`, warn: f.trigger !== 'OnOpen' });
    }
    // Reliable delivery: fallback for unreachable targets (a notification of the next tier), the
    // NotificationsFailing condition, PagerDuty Change Events for the operator's rollbacks / terminations.
    const delivery = deliveryEscalation({ incident, status, policy, now, fallbackAfterMs: this.d.config.notify.fallbackAfterMs });
    entries.push(...delivery.entries);
    notified.push(...delivery.notified);
    notes.push(...delivery.notes);
    status.conditions = delivery.conditions;
    for (const channel of delivery.fellBack) this.d.onFallback?.(channel);
    const tierNow = Math.max(decision.tier, ...delivery.notified.map((n) => n.tier));
    // Close the loop with everyone who was paged: PagerDuty acknowledge / resolve with the same dedup_key.
    const pagedTargets = new Map<string, { target: EscalationTarget; tier: number; tierName: string }>();
    for (const n of notified) for (const t of tierOf(n.tier)?.targets ?? []) if (!pagedTargets.has(t.name)) pagedTargets.set(t.name, { target: t, tier: n.tier, tierName: tierOf(n.tier)?.name ?? '' });
    const closing = (kind: NotificationKind, p: { target: EscalationTarget; tier: number; tierName: string }, reason: string) =>
      notificationEntry(incident, status, { key: outboxKey(kind, 0, p.target.name), target: p.target, kind, tier: p.tier, tierName: p.tierName, reason }, now);
    if (status.acknowledgedAt) {
      for (const p of pagedTargets.values()) if (p.target.type === 'pagerduty') entries.push(closing('acknowledged', p, status.phaseReason ?? 'acknowledged'));
    }
    if (status.phase === 'Resolved') {
      for (const p of pagedTargets.values()) entries.push(closing('resolved', p, status.phaseReason ?? 'resolved'));
    }
    // The post-mortem reminder (runbook: P0/P1 post-mortem within 48 h) goes to tier 1's chat and webhook targets, once.
    const postmortem = status.conditions?.find((c) => c.type === ConditionType.PostmortemDue);
    if (postmortem?.status === 'True' && (postmortem.reason === Reason.PostmortemReminderSent || postmortem.reason === Reason.PostmortemOverdue)) {
      for (const t of tierOf(1)?.targets ?? []) {
        if (t.type !== 'pagerduty') entries.push(notificationEntry(incident, status, { key: outboxKey('postmortem-reminder', 1, t.name), target: t, kind: 'postmortem-reminder', tier: 1, tierName: tierOf(1)?.name ?? '', reason: postmortem.message }, now));
      }
    }
    // The communication plan: stakeholders hear about every phase change (tier 1 chat/webhook targets).
    let lastNotifiedPhase = esc.lastNotifiedPhase;
    if (policy.notifyOnPhaseChange && status.phase && status.phase !== lastNotifiedPhase && notified.length > 0) {
      if (lastNotifiedPhase !== undefined && status.phase !== 'Resolved') {
        for (const t of tierOf(1)?.targets ?? []) if (t.type !== 'pagerduty') entries.push(notificationEntry(incident, status, { key: outboxKey('phase-changed', 1, t.name, status.phase), target: t, kind: 'phase-changed', tier: 1, tierName: tierOf(1)?.name ?? '', reason: `phase ${status.phase}${status.phaseReason ? ` (${status.phaseReason})` : ''}` }, now));
      }
      lastNotifiedPhase = status.phase;
    }
    const before = status.notifications?.outbox ?? [];
    const outbox = boundOutbox(enqueue(before, entries, now));
    status.escalation = {
      tier: tierNow,
      policy: source,
      notified: notified.slice(-MAX_NOTIFIED),
      ...(decision.nextEvaluationAt ? { nextEvaluationAt: decision.nextEvaluationAt.toISOString() } : {}),
      ...(lastNotifiedPhase ? { lastNotifiedPhase } : {}),
    };
    status.notifications = {
      ...status.notifications, outbox,
      ...(delivery.targets.length ? { targets: delivery.targets } : {}),
      ...(delivery.changeEventsThrough ? { changeEventsThrough: delivery.changeEventsThrough } : {}),
    };
    if (tierNow > 1) {
      status.conditions = setCondition(status.conditions, { type: ConditionType.Escalated, status: 'True', reason: Reason.EscalatedToTier, message: `escalated to tier ${tierNow} (${tierOf(tierNow)?.name ?? ''})` }, now, incident.metadata.generation);
    }
    const isPager = (name: string) => policy.tiers.some((t) => t.targets.some((x) => x.name === name && x.type === 'pagerduty'));
    const outboxWait = nextDeliveryWakeup(outbox, now, isPager);
    const waits = [decision.nextEvaluationAt ? decision.nextEvaluationAt.getTime() - now.getTime() : undefined, delivery.nextCheckAt ? delivery.nextCheckAt.getTime() - now.getTime() : undefined, outboxWait === undefined ? undefined : Math.max(MIN_OUTBOX_REQUEUE_MS, outboxWait)]
      .filter((x): x is number => x !== undefined).map((x) => Math.max(1, x));
    return { status, requeueAfterMs: waits.length ? Math.min(...waits) : undefined, notes };
  }

  async deliver(incident: Incident, input: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number } | undefined> {
    if (!(input.notifications?.outbox ?? []).some((e) => e.state === 'Pending')) return undefined;
    // Test-only: die between the outbox write (the entry is durable in status, never attempted) and its delivery.
    if (this.d.config.failpoint === 'exit-after-outbox-write' && (input.notifications?.outbox ?? []).some((e) => e.state === 'Pending' && e.attempts === 0)) process.kill(process.pid, 'SIGKILL');
    const { policy, secretNamespace } = this.resolve(incident);
    const secrets = new Map<string, Promise<Record<string, string> | SecretReadError | undefined>>();
    const readSecret = async (ref: SecretKeyRef): Promise<SecretRead> => {
      if (!secrets.has(ref.name)) secrets.set(ref.name, readSecretData(this.d.core, secretNamespace, ref.name).catch((e: unknown) => (e instanceof SecretReadError ? e : undefined)));
      const data = await secrets.get(ref.name)!;
      if (data instanceof SecretReadError) return data.problem === 'ReadFailed' ? { unreadable: true } : { missing: true };
      if (!data) return { unreadable: true };
      const value = data[ref.key];
      return value ? { value } : { missing: true };
    };
    const out = await deliverOutbox({
      incident, status: input, policy,
      settings: { schedule: this.schedule, endpoints: { pagerDutyEventsUrl: this.d.pagerDutyUrl, slackApiUrl: this.d.config.notify.slackApiUrl }, maxPerRound: MAX_DELIVERIES_PER_RECONCILE },
      readSecret,
      send: (req) => sendPrepared(req, { timeoutMs: this.d.config.notify.attemptTimeoutMs, now: () => this.d.clock.now() }),
      now: () => this.d.clock.now(),
      rand: this.d.rand ?? Math.random,
      legacyBody: (entry, target) => {
        const tierLevel = Number(entry.key.split(':')[1] ?? 0);
        const tier = policy.tiers.find((t) => t.level === tierLevel) ?? policy.tiers.find((t) => t.targets.some((x) => x.name === target.name));
        const kind: NotificationKind = entry.kind === 'change' ? 'phase-changed' : entry.kind;
        return notificationBody(incident, input, { key: entry.key, target, kind, tier: tier?.level ?? tierLevel, tierName: tier?.name ?? '', reason: reasonFor(entry, input) }, now);
      },
      onAttempt: (target, entry, result) => {
        this.d.onDelivery?.(target.type, result, entry);
        if (!result.ok) this.d.log.warn('notification not delivered', { incident: `${incident.metadata.namespace}/${incident.metadata.name}`, target: target.name, kind: entry.kind, attempts: entry.attempts + 1, status: result.status, retryable: result.retryable, error: result.error });
      },
    });
    if (!out.changed) return undefined;
    const wait = out.requeueAfterMs === undefined ? undefined : Math.max(MIN_OUTBOX_REQUEUE_MS, out.requeueAfterMs);
    return { status: { ...input, notifications: out.notifications }, ...(wait !== undefined ? { requeueAfterMs: wait } : {}) };
  }
}

/** An invalid (or missing) EscalationPolicy is never silent: a False condition, and a Warning when it turns so. */
function policyCondition(status: IncidentStatus, problems: string[], source: string, now: Date, generation: number | undefined, notes: EscalationNote[]): void {
  const prev = status.conditions?.find((c) => c.type === ConditionType.EscalationPolicyValid);
  if (problems.length === 0) {
    if (prev) status.conditions = setCondition(status.conditions, { type: ConditionType.EscalationPolicyValid, status: 'True', reason: Reason.EscalationPolicyValid, message: `using ${source}` }, now, generation);
    return;
  }
  const message = `${problems.join('; ')}; using ${source}`.slice(0, 1024);
  if (prev?.status !== 'False' || prev.message !== message) notes.push({ type: 'EscalationPolicyInvalid', reason: Reason.InvalidEscalationPolicy, message, warn: true });
  status.conditions = setCondition(status.conditions, { type: ConditionType.EscalationPolicyValid, status: 'False', reason: Reason.InvalidEscalationPolicy, message }, now, generation);
}

function remediationOutcome(status: IncidentStatus): RemediationOutcome {
  const state = status.remediation?.state;
  if (state === 'Failed' || status.phaseReason === 'MonitoringTimedOut') return 'Failed';
  if (state === 'Refused' || status.phase === 'Escalated') return 'Refused';
  if (state === 'Succeeded') return 'Succeeded';
  return 'None';
}

function reasonFor(entry: OutboxEntry, status: IncidentStatus): string {
  const last = [...(status.timeline ?? [])].reverse().find((t) => t.type === 'EscalatedToTier' || t.type === 'Notified');
  if (entry.kind === 'escalated' && last) return last.message;
  if (entry.kind === 'phase-changed') return `phase ${status.phase}${status.phaseReason ? ` (${status.phaseReason})` : ''}`;
  return status.phaseReason ?? entry.kind;
}
