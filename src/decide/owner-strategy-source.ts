/**
 * Which rollback strategy applies to a Deployment's manifest owner, and which setting decided it (issue 15:
 * "configurable per policy"). Pure. Order, first that applies wins:
 *  1. the Deployment's annotation `runbook.dev/owner-rollback: Instruct` — the workload's owner can only make
 *     the choice safer, so only `Instruct` counts (any other value is ignored);
 *  2. the EscalationPolicy's `spec.ownerRollback.<argoCD|flux|helm>` — of the first policy that sets the field,
 *     in the escalator's order: the Incident's spec.escalationPolicyRef, the namespace's `default`, the
 *     operator's default policy. A value outside the allowed ones (not through the CRD schema) means Instruct;
 *  3. the operator config (ROLLBACK_ARGOCD, ROLLBACK_FLUX, ROLLBACK_HELM) when set;
 *  4. the default: Instruct.
 * Acting (suspending, patching) still needs the operator's RBAC on the owner's objects: that is checked when
 * the object is read, and a missing right is a refusal with the instruction, never a crash.
 */
import type { WorkloadOwnerKind } from '../api/diagnosis.js';
import type { OwnerStrategySource, OwnerStrategyStatus } from '../api/remediation.js';
import type { ArgoCdStrategy, FluxStrategy, HelmStrategy, OwnerStrategyConfig } from './owner-strategy.js';

export type { OwnerStrategySource, OwnerStrategyStatus } from '../api/remediation.js';

/** `spec.ownerRollback` of an EscalationPolicy. */
export interface OwnerRollbackPolicy {
  argoCD?: ArgoCdStrategy;
  flux?: FluxStrategy;
  helm?: HelmStrategy;
}

/** The policy field per owner kind and the values it allows (Instruct first: the safe one). */
export const OWNER_ROLLBACK_FIELDS = {
  argoCD: ['Instruct', 'SuspendAutoSync'],
  flux: ['Instruct', 'Suspend'],
  helm: ['Instruct', 'PatchDeployment'],
} as const satisfies Record<keyof OwnerRollbackPolicy, readonly string[]>;
export type OwnerRollbackField = keyof typeof OWNER_ROLLBACK_FIELDS;

const CONFIG_KEY = { argoCD: 'argoCd', flux: 'flux', helm: 'helm' } as const satisfies Record<OwnerRollbackField, keyof OwnerStrategyConfig>;
const ENV_NAME = { argoCD: 'ROLLBACK_ARGOCD', flux: 'ROLLBACK_FLUX', helm: 'ROLLBACK_HELM' } as const satisfies Record<OwnerRollbackField, string>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The policy field that applies to an owner kind (undefined: Plain, nothing to choose). */
export function ownerRollbackField(kind: WorkloadOwnerKind): OwnerRollbackField | undefined {
  switch (kind) {
    case 'ArgoCD': return 'argoCD';
    case 'FluxKustomization':
    case 'FluxHelmRelease': return 'flux';
    case 'Helm': return 'helm';
    case 'Plain': return undefined;
  }
}

/** Mirrors the CRD schema of `spec.ownerRollback` (for EscalationPolicyValid): each bad field named. */
export function ownerRollbackProblems(value: unknown): string[] {
  if (value === undefined) return [];
  if (!isRecord(value)) return ['ownerRollback must be an object'];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const allowed: readonly string[] | undefined = key in OWNER_ROLLBACK_FIELDS ? OWNER_ROLLBACK_FIELDS[key as OwnerRollbackField] : undefined; // eslint-disable-line @typescript-eslint/no-unsafe-type-assertion -- checked by `in` on the same object
    // An unknown key is free text: named by position only (EscalationPolicyValid names fields, never values).
    if (!allowed) problems.push('ownerRollback has an unknown field (known: argoCD, flux, helm)');
    else if (typeof v !== 'string' || !allowed.includes(v)) problems.push(`ownerRollback.${key} must be ${allowed.join(' or ')}`);
  }
  return problems;
}

/** A candidate EscalationPolicy, in the order they apply; `spec.ownerRollback` unvalidated. */
export interface OwnerPolicyCandidate {
  /** namespace/name, for status. */
  policy: string;
  ownerRollback?: unknown;
}

export interface OwnerStrategySourceInput {
  ownerKind: WorkloadOwnerKind;
  /** The Deployment's `runbook.dev/owner-rollback` annotation. */
  annotation?: string;
  policies: readonly OwnerPolicyCandidate[];
  /** The operator config (its values are Instruct unless set; `set` says which were set explicitly). */
  operator: OwnerStrategyConfig;
}

export interface ResolvedOwnerStrategy {
  /** The config to decide with: the operator's, with the chosen value for this owner's field. */
  config: OwnerStrategyConfig;
  /** Which setting decided (absent for Plain: nothing to choose). */
  status?: OwnerStrategyStatus;
}

export function resolveOwnerStrategy(input: OwnerStrategySourceInput): ResolvedOwnerStrategy {
  const field = ownerRollbackField(input.ownerKind);
  if (!field) return { config: input.operator };
  const key = CONFIG_KEY[field];
  const decided = (strategy: string, source: OwnerStrategySource, message: string, policy?: string): ResolvedOwnerStrategy => ({
    // strategy is one of OWNER_ROLLBACK_FIELDS[field], the values config[key] allows
    config: { ...input.operator, [key]: strategy },
    status: { owner: input.ownerKind, strategy, source, message, ...(policy ? { policy } : {}) },
  });
  if (input.annotation === 'Instruct') return decided('Instruct', 'DeploymentAnnotation', 'the Deployment\'s annotation runbook.dev/owner-rollback: Instruct (it can only make the choice safer)');
  for (const p of input.policies) {
    const spec = isRecord(p.ownerRollback) ? p.ownerRollback : undefined;
    if (!spec || spec[field] === undefined) continue;
    const v = spec[field];
    const allowed: readonly string[] = OWNER_ROLLBACK_FIELDS[field];
    if (typeof v === 'string' && allowed.includes(v)) return decided(v, 'EscalationPolicy', `EscalationPolicy ${p.policy} spec.ownerRollback.${field}: ${v}`, p.policy);
    return decided('Instruct', 'EscalationPolicy', `EscalationPolicy ${p.policy} spec.ownerRollback.${field} is invalid (must be ${allowed.join(' or ')}): Instruct`, p.policy);
  }
  const configured = input.operator[key];
  if (input.operator.set?.[field] === true || configured !== 'Instruct') return decided(configured, 'OperatorConfig', `operator config ${ENV_NAME[field]}=${configured}`);
  return decided('Instruct', 'Default', `the default (Instruct): neither an EscalationPolicy's spec.ownerRollback.${field} nor ${ENV_NAME[field]} is set`);
}
