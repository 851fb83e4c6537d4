/**
 * Which escalation policy applies to an Incident, and whether it is valid: the policy the Incident references,
 * the namespace's `default`, the operator's default, else the runbook's built-in (first valid wins). Validation
 * mirrors the CRD's schema and CEL rules for policies that did not pass through the API server; its messages
 * name fields only, never the values (a rejected policy's text is not shown anywhere). Pure.
 */
import { isSeverity } from './sla.js';
import { validateBusinessCalendar } from './business-hours.js';
import { ownerRollbackProblems } from './owner-strategy-source.js';
import { redactOperatorText } from '../redact/phi.js';
import {
  defaultEscalationPolicy, ESCALATION_TRIGGERS, MAX_TARGETS_PER_TIER, MAX_TIER_LEVEL, TARGET_TYPES, type EscalationPolicySpec,
} from './escalation.js';

/** Mirrors the CRD's schema and CEL rules, for policies that did not pass through the API server. */
export function validateEscalationPolicy(spec: EscalationPolicySpec): string[] {
  const errors: string[] = [];
  const tiers = spec.tiers ?? [];
  if (tiers.length < 1 || tiers.length > MAX_TIER_LEVEL) errors.push(`tiers must have 1 to ${MAX_TIER_LEVEL} items`);
  tiers.forEach((t, i) => {
    const at = `tiers[${i}]`;
    if (t.level !== i + 1) errors.push(`${at}.level must be ${i + 1} (levels are 1, 2, 3 in order)`);
    if (!t.name) errors.push(`${at}.name is required`);
    if (tiers.findIndex((o) => o.name === t.name) !== i) errors.push(`${at}.name must be unique`);
    if (!t.targets?.length || t.targets.length > MAX_TARGETS_PER_TIER) errors.push(`${at}.targets must have 1 to ${MAX_TARGETS_PER_TIER} items`);
    for (const x of t.targets ?? []) {
      if (!TARGET_TYPES.includes(x.type)) errors.push(`${at}.targets: unknown type (expected ${TARGET_TYPES.join(', ')})`);
      if (!x.name || !x.secretRef?.name || !x.secretRef?.key) errors.push(`${at}.targets: name and secretRef {name, key} are required`);
      // As the CRD: target names (shown in status, Events, logs) are DNS-1123 labels, Secret names object names.
      else if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/u.test(x.name) || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/u.test(x.secretRef.name)) errors.push(`${at}.targets: name must be a DNS-1123 label, secretRef.name an object name`);
      if (x.hmacSecretRef && x.type !== 'webhook') errors.push(`${at}.targets: hmacSecretRef is only valid for webhook targets`);
      if (x.channel !== undefined && (x.type !== 'slack' || !/^[A-Za-z0-9#_.-]{1,80}$/u.test(x.channel))) errors.push(`${at}.targets: channel is only valid for slack targets (a channel ID or name)`);
    }
    if (new Set((t.targets ?? []).map((x) => x.name)).size !== (t.targets ?? []).length) errors.push(`${at}.targets names must be unique`);
    if (!t.triggers?.length || t.triggers.some((g) => !ESCALATION_TRIGGERS.includes(g))) errors.push(`${at}.triggers must list known triggers`);
    if (new Set(t.triggers ?? []).size !== (t.triggers ?? []).length) errors.push(`${at}.triggers must not repeat`);
    const afterDelay = (t.triggers ?? []).includes('AfterDelay');
    if (afterDelay !== (t.delayMinutes !== undefined)) errors.push(`${at}.delayMinutes is required with, and only with, the AfterDelay trigger`);
    if (t.delayMinutes !== undefined && !(Number.isInteger(t.delayMinutes) && t.delayMinutes >= 1)) errors.push(`${at}.delayMinutes must be an integer >= 1`);
  });
  const rules = spec.severityRules ?? [];
  rules.forEach((r, i) => {
    const at = `severityRules[${i}]`;
    if (!isSeverity(r.severity)) errors.push(`${at}.severity must be P0, P1, P2 or P3`);
    if (rules.findIndex((o) => o.severity === r.severity) !== i) errors.push(`${at}.severity must be unique`);
    if (r.tierOnOpen !== undefined && !tiers.some((t) => t.level === r.tierOnOpen)) errors.push(`${at}.tierOnOpen must be the level of a tier`);
    if (r.severity === 'P0' && r.businessHoursOnly) errors.push(`${at}: P0 pages 24/7 (runbook), businessHoursOnly must be false`);
    if (r.repeatMinutes !== undefined && !(Number.isInteger(r.repeatMinutes) && r.repeatMinutes >= 1)) errors.push(`${at}.repeatMinutes must be an integer >= 1`);
  });
  if (rules.some((r) => r.businessHoursOnly) && !spec.calendar) errors.push('calendar is required when a severity rule is businessHoursOnly');
  if (spec.calendar) errors.push(...validateBusinessCalendar(spec.calendar).map((e) => `calendar: ${e}`));
  errors.push(...ownerRollbackProblems(spec.ownerRollback));
  return errors;
}

export const PolicySources = {
  IncidentRef: 'IncidentRef',
  NamespaceDefault: 'NamespaceDefault',
  OperatorDefault: 'OperatorDefault',
  BuiltInDefault: 'BuiltInDefault',
} as const;
export type PolicySource = (typeof PolicySources)[keyof typeof PolicySources];

export interface ResolvedPolicy {
  policy: EscalationPolicySpec;
  source: PolicySource;
  /** Candidates skipped because they failed validation (the caller should surface these). */
  rejected: { source: PolicySource; errors: string[] }[];
}

const RunbookTierNames: ReadonlySet<string> = new Set(defaultEscalationPolicy().tiers.map((t) => t.name));

/**
 * Tier names are free text (the CRD allows words, spaces and `./&()_-`) and reach the timeline, Events, the
 * Escalated condition and every notification: default-deny, a name is shown as written when the redactor keeps
 * it (`On-call engineer`) or it is one of the runbook's own, else in its redacted form.
 */
function withShownTierNames(policy: EscalationPolicySpec): EscalationPolicySpec {
  const shown = (name: string): string => (RunbookTierNames.has(name) ? name : redactOperatorText(name, { maxLength: 80 }));
  return { ...policy, tiers: policy.tiers.map((t) => ({ ...t, name: shown(t.name) })) };
}

/**
 * First valid of: the policy the incident references, the namespace's `default` policy, the
 * operator's default; the built-in runbook default when none is valid. Callers fetch the objects.
 */
export function resolvePolicy(
  incidentRef: EscalationPolicySpec | undefined,
  namespaceDefault: EscalationPolicySpec | undefined,
  operatorDefault: EscalationPolicySpec,
): ResolvedPolicy {
  const rejected: ResolvedPolicy['rejected'] = [];
  const candidates: [PolicySource, EscalationPolicySpec | undefined][] = [
    [PolicySources.IncidentRef, incidentRef],
    [PolicySources.NamespaceDefault, namespaceDefault],
    [PolicySources.OperatorDefault, operatorDefault],
  ];
  for (const [source, policy] of candidates) {
    if (!policy) continue;
    const errors = validateEscalationPolicy(policy);
    if (errors.length === 0) return { policy: withShownTierNames(policy), source, rejected };
    rejected.push({ source, errors });
  }
  return { policy: defaultEscalationPolicy(), source: PolicySources.BuiltInDefault, rejected };
}
