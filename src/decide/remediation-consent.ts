/**
 * Who may make the operator act. Creating an Incident (by hand, by the crash-loop detector or through the
 * Alertmanager intake) asks for a diagnosis; *acting* on the target (rollback, query termination) needs the
 * consent of the target's owner, expressed where only the owner can write it: a label on the Deployment or
 * on its Namespace. Pure: labels and configuration in, a decision with a reason out.
 *
 * Consent, in order (the first rule that applies decides):
 *  1. the namespace is watched (WATCH_NAMESPACES, all when unset)        else NamespaceNotWatched
 *  2. the namespace is not protected (PROTECTED_NAMESPACES, `kube-*`)     else ProtectedNamespace
 *  3. the Deployment's own labels, when it carries either opt-in key:
 *     `runbook.dev/remediation: enabled`, or the AUTO_ROLLBACK_SELECTOR (`runbook.dev/auto-rollback=enabled`)
 *     — any other value of either key (e.g. `disabled`) is an opt-out that beats the Namespace
 *  4. the same labels on the Namespace
 *  5. otherwise no consent (NoOptIn): diagnose and escalate, never act.
 */
import { ConsentReason, Label } from '../api/reasons.js';
import type { ConsentVia } from '../api/remediation.js';

export const REMEDIATION_LABEL = Label.remediation;
export const REMEDIATION_ENABLED = 'enabled';
/** Namespaces never acted on and refused at intake unless PROTECTED_NAMESPACES says otherwise. */
export const DEFAULT_PROTECTED_NAMESPACES: readonly string[] = Object.freeze(['kube-*']);

export type ConsentReason = (typeof ConsentReason)[keyof typeof ConsentReason];
type StringMap = Readonly<Record<string, string>>;

export interface NamespaceScope {
  /** Only these namespaces (all when undefined). */
  readonly watchNamespaces?: readonly string[];
  /** Exact names, or prefixes ending in `*` (e.g. `kube-*`). */
  readonly protectedNamespaces: readonly string[];
}

export interface ConsentInput extends NamespaceScope {
  readonly namespace: string;
  /** Labels of the target workload (undefined for incidents without a target, e.g. DatabasePerformance). */
  readonly deploymentLabels?: StringMap;
  /** The target workload's kind, as messages name it (absent: Deployment). */
  readonly workloadKind?: 'Deployment' | 'StatefulSet';
  readonly namespaceLabels?: StringMap;
  /** The automatic crash-loop rollback selector (AUTO_ROLLBACK_SELECTOR); it is consent too. */
  readonly autoRollbackSelector: { readonly label: string; readonly value: string };
}

export interface ConsentDecision {
  readonly permitted: boolean;
  readonly reason: ConsentReason;
  /** Where consent came from (when permitted) or what is missing, for status and Events. */
  readonly message: string;
  readonly via?: ConsentVia;
}

export function isProtectedNamespace(namespace: string, protectedNamespaces: readonly string[]): boolean {
  return protectedNamespaces.some((p) => (p.endsWith('*') ? namespace.startsWith(p.slice(0, -1)) : namespace === p));
}

export type ScopeDecision = { readonly ok: true } | { readonly ok: false; readonly reason: 'NamespaceNotWatched' | 'ProtectedNamespace'; readonly message: string };

/** Is the namespace one the operator may work in at all (intake and action)? */
export function namespaceInScope(namespace: string, scope: NamespaceScope): ScopeDecision {
  if (scope.watchNamespaces !== undefined && !scope.watchNamespaces.includes(namespace)) {
    return { ok: false, reason: 'NamespaceNotWatched', message: `namespace ${namespace} is not watched by this operator (WATCH_NAMESPACES)` };
  }
  if (isProtectedNamespace(namespace, scope.protectedNamespaces)) {
    return { ok: false, reason: 'ProtectedNamespace', message: `namespace ${namespace} is protected (PROTECTED_NAMESPACES); the operator never acts there` };
  }
  return { ok: true };
}

type LabelVerdict = { decided: false } | { decided: true; consent: boolean; label: string };

/** Label values are free text within the label syntax: only known values are named in status and Events. */
const KnownConsentValues: ReadonlySet<string> = new Set([REMEDIATION_ENABLED, 'disabled', 'true', 'false', 'on', 'off']);
function shownLabel(key: string, value: string, selector: ConsentInput['autoRollbackSelector']): string {
  return KnownConsentValues.has(value) || value === selector.value ? `${key}=${value}` : `${key} set to another value`;
}

function verdict(labels: StringMap | undefined, selector: ConsentInput['autoRollbackSelector']): LabelVerdict {
  if (!labels) return { decided: false };
  const explicit = labels[REMEDIATION_LABEL];
  if (explicit !== undefined) return { decided: true, consent: explicit === REMEDIATION_ENABLED, label: shownLabel(REMEDIATION_LABEL, explicit, selector) };
  const auto = labels[selector.label];
  if (auto !== undefined) return { decided: true, consent: auto === selector.value, label: shownLabel(selector.label, auto, selector) };
  return { decided: false };
}

export function evaluateRemediationConsent(input: ConsentInput): ConsentDecision {
  const scope = namespaceInScope(input.namespace, input);
  if (!scope.ok) return { permitted: false, reason: scope.reason, message: scope.message };
  const optIn = `${REMEDIATION_LABEL}=${REMEDIATION_ENABLED} or ${input.autoRollbackSelector.label}=${input.autoRollbackSelector.value}`;
  const workload = input.workloadKind ?? 'Deployment';
  const sources: ReadonlyArray<readonly [ConsentVia, StringMap | undefined]> = [[workload, input.deploymentLabels], ['Namespace', input.namespaceLabels]];
  for (const [via, labels] of sources) {
    const v = verdict(labels, input.autoRollbackSelector);
    if (!v.decided) continue;
    if (v.consent) return { permitted: true, reason: 'Permitted', via, message: `the ${via} opted in (${v.label})` };
    return { permitted: false, reason: 'OptedOut', via, message: `the ${via} opted out (${v.label}); the operator diagnoses and escalates but does not act` };
  }
  return {
    permitted: false,
    reason: 'NoOptIn',
    message: `neither the ${workload} nor namespace ${input.namespace} carries ${optIn}; the operator diagnoses and escalates but does not act`,
  };
}
