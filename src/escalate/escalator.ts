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
import { decideEscalation, policyDeadlines, resolvePolicy, defaultEscalationPolicy, type EscalationPolicySpec, type EscalationTarget, type NotificationRecord, type RemediationOutcome } from '../decide/escalation.js';
import { setCondition } from '../decide/status-ops.js';
import type { Deadlines } from '../decide/sla.js';
import { boundOutbox, dueEntries, enqueue, nextWakeup, outboxKey, recordAttempt, type NewOutboxEntry, type OutboxEntry } from '../notify/outbox.js';
import { buildSlackMessage } from '../notify/slack.js';
import { buildPagerDutyEvent, PagerDutyEventsUrl } from '../notify/pagerduty.js';
import { buildWebhookBody } from '../notify/webhook.js';
import { sendNotification } from '../notify/http-sender.js';
import type { DeliveryResult, NotificationKind } from '../notify/types.js';
import type { Logger } from '../log.js';
import type { PolicyObject as CachedPolicy, ReadCache } from '../ports/caches.js';
import type { Escalator, EscalationNote } from '../ports/escalation.js';
import { readSecretData } from '../kube/secrets.js';
import type { Clock } from '../runtime/clock.js';
import { buildNotificationEvent } from './notification-event.js';

export interface PolicyObject { metadata?: { name?: string; namespace?: string }; spec?: EscalationPolicySpec }

/** The cache holds unvalidated specs; resolvePolicy validates each before use. */
function policySpec(p: CachedPolicy | undefined): EscalationPolicySpec | undefined {
  return p?.spec as EscalationPolicySpec | undefined;
}

export interface EscalatorDeps {
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  policies: ReadCache<CachedPolicy>;
  clock: Clock;
  pagerDutyUrl?: string;
  onDelivery?(channel: string, ok: boolean): void;
  rand?: () => number;
}

interface ResolvedFor { policy: EscalationPolicySpec; source: string; secretNamespace: string; problems: string[] }

const MAX_DELIVERIES_PER_RECONCILE = 10;
const MAX_NOTIFIED = 50;

export class PolicyEscalator implements Escalator {
  constructor(private readonly d: EscalatorDeps) {}

  resolve(incident: Incident): ResolvedFor {
    const ns = incident.metadata.namespace;
    const ref = incident.spec.escalationPolicyRef?.name;
    const byRef = ref ? policySpec(this.d.policies.get(ns, ref)) : undefined;
    const nsDefault = policySpec(this.d.policies.get(ns, 'default'));
    const operatorDefaultName = this.d.config.escalationPolicy;
    const opDefault = operatorDefaultName ? policySpec(this.d.policies.get(this.d.config.operatorNamespace, operatorDefaultName)) : undefined;
    const r = resolvePolicy(byRef, nsDefault, opDefault ?? defaultEscalationPolicy());
    const secretNamespace = r.source === 'IncidentRef' || r.source === 'NamespaceDefault' ? ns : this.d.config.operatorNamespace;
    const problems = r.rejected.map((x) => `${x.source === 'IncidentRef' ? `EscalationPolicy ${ref}` : x.source === 'NamespaceDefault' ? 'EscalationPolicy default' : `operator EscalationPolicy ${operatorDefaultName ?? ''}`} is invalid: ${x.errors.slice(0, 3).join('; ')}`);
    if (ref && !this.d.policies.get(ns, ref)) problems.unshift(`EscalationPolicy ${ref} not found`);
    return { policy: r.policy, source: r.source, secretNamespace, problems };
  }

  deadlines(incident: Incident, openedAt: Date): Deadlines {
    return policyDeadlines(this.resolve(incident).policy, incident.spec.severity, openedAt, {
      acknowledgeMinutes: this.d.config.acknowledgeMinutes, responseMinutes: this.d.config.responseMinutes,
    });
  }

  async escalate(incident: Incident, input: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number; notes?: EscalationNote[] }> {
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
      for (const t of tier.targets) entries.push({ key: outboxKey(kind, f.tier, t.name, disc), target: t.name, kind });
      notified.push({ tier: f.tier, trigger: f.trigger, at: now.toISOString() });
      notes.push({ type: f.trigger === 'OnOpen' ? 'Notified' : 'EscalatedToTier', reason: f.reason, message: `tier ${f.tier} (${tier.name}): ${f.message}`, warn: f.trigger !== 'OnOpen' });
    }
    // Close the loop with everyone who was paged: PagerDuty acknowledge / resolve with the same dedup_key.
    const pagedTargets = new Map<string, EscalationTarget>();
    for (const n of notified) for (const t of tierOf(n.tier)?.targets ?? []) pagedTargets.set(t.name, t);
    if (status.acknowledgedAt) {
      for (const t of pagedTargets.values()) if (t.type === 'pagerduty') entries.push({ key: outboxKey('acknowledged', 0, t.name), target: t.name, kind: 'acknowledged' });
    }
    if (status.phase === 'Resolved') {
      for (const t of pagedTargets.values()) entries.push({ key: outboxKey('resolved', 0, t.name), target: t.name, kind: 'resolved' });
    }
    // The communication plan: stakeholders hear about every phase change (tier 1 chat/webhook targets).
    let lastNotifiedPhase = esc.lastNotifiedPhase;
    if (policy.notifyOnPhaseChange && status.phase && status.phase !== lastNotifiedPhase && notified.length > 0) {
      if (lastNotifiedPhase !== undefined && status.phase !== 'Resolved') {
        for (const t of tierOf(1)?.targets ?? []) if (t.type !== 'pagerduty') entries.push({ key: outboxKey('phase-changed', 1, t.name, status.phase), target: t.name, kind: 'phase-changed' });
      }
      lastNotifiedPhase = status.phase;
    }
    const before = status.notifications?.outbox ?? [];
    const outbox = boundOutbox(enqueue(before, entries, now));
    status.escalation = {
      tier: decision.tier,
      policy: source,
      notified: notified.slice(-MAX_NOTIFIED),
      ...(decision.nextEvaluationAt ? { nextEvaluationAt: decision.nextEvaluationAt.toISOString() } : {}),
      ...(lastNotifiedPhase ? { lastNotifiedPhase } : {}),
    };
    status.notifications = { outbox };
    if (decision.tier > 1) {
      status.conditions = setCondition(status.conditions, { type: ConditionType.Escalated, status: 'True', reason: 'EscalatedToTier', message: `escalated to tier ${decision.tier} (${tierOf(decision.tier)?.name ?? ''})` }, now, incident.metadata.generation);
    }
    const waits = [decision.nextEvaluationAt ? decision.nextEvaluationAt.getTime() - now.getTime() : undefined, nextWakeup(outbox, now)]
      .filter((x): x is number => x !== undefined).map((x) => Math.max(1, x));
    return { status, requeueAfterMs: waits.length ? Math.min(...waits) : undefined, notes };
  }

  async deliver(incident: Incident, input: IncidentStatus, now: Date): Promise<{ status: IncidentStatus; requeueAfterMs?: number } | undefined> {
    let outbox = input.notifications?.outbox ?? [];
    const due = dueEntries(outbox, now).slice(0, MAX_DELIVERIES_PER_RECONCILE);
    if (due.length === 0) return undefined;
    const { policy, secretNamespace } = this.resolve(incident);
    const secrets = new Map<string, Promise<Record<string, string> | undefined>>();
    const readSecret = (name: string) => {
      if (!secrets.has(name)) secrets.set(name, readSecretData(this.d.core, secretNamespace, name).catch(() => undefined));
      return secrets.get(name)!;
    };
    const results = await Promise.all(due.map(async (entry) => {
      const tierLevel = Number(entry.key.split(':')[1] ?? 0);
      const target = policy.tiers.flatMap((t) => t.targets).find((t) => t.name === entry.target);
      if (!target) return { entry, result: { ok: false, retryable: false, error: 'target no longer in the escalation policy' } as DeliveryResult };
      const data = await readSecret(target.secretRef.name);
      const value = data?.[target.secretRef.key];
      if (!value) return { entry, result: { ok: false, retryable: true, error: `Secret ${target.secretRef.name} or its key ${target.secretRef.key} not found` } as DeliveryResult };
      const hmac = target.hmacSecretRef ? (await readSecret(target.hmacSecretRef.name))?.[target.hmacSecretRef.key] : undefined;
      const tier = policy.tiers.find((t) => t.level === tierLevel) ?? policy.tiers.find((t) => t.targets.some((x) => x.name === target.name));
      const ev = buildNotificationEvent(incident, input, { kind: entry.kind, tier: tier?.level ?? tierLevel, tierName: tier?.name ?? '', reason: reasonFor(entry, input), now });
      let body: unknown;
      let url = value;
      if (target.type === 'slack') body = buildSlackMessage(ev);
      else if (target.type === 'webhook') body = buildWebhookBody(ev);
      else { body = buildPagerDutyEvent(ev, value); url = this.d.pagerDutyUrl ?? PagerDutyEventsUrl; }
      const result = await sendNotification({ type: target.type, name: target.name, url, ...(hmac ? { hmacSecret: hmac } : {}) }, body, { timeoutMs: 5000 });
      this.d.onDelivery?.(target.type, result.ok);
      if (!result.ok) this.d.log.warn('notification not delivered', { incident: `${incident.metadata.namespace}/${incident.metadata.name}`, target: target.name, kind: entry.kind, status: result.status, retryable: result.retryable, error: result.error });
      return { entry, result };
    }));
    const at = this.d.clock.now();
    for (const { entry, result } of results) outbox = recordAttempt(outbox, entry.key, result, at, this.d.rand ?? Math.random);
    return { status: { ...input, notifications: { outbox } }, requeueAfterMs: nextWakeup(outbox, at) };
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
