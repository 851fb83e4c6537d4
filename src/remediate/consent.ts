/**
 * The owner's consent, checked right before the operator acts (rollback, query termination): the target
 * Deployment's labels from the gathered snapshot, its Namespace's labels from the cache, the operator's scope
 * from its configuration. See src/decide/remediation-consent.ts for the rules.
 */
import type { RemediationAction, RemediationStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { evaluateRemediationConsent, type ConsentDecision } from '../decide/remediation-consent.js';
import type { RemediationContext } from '../ports/remediation.js';

/** Labels of a Namespace (from the operator's cache), undefined when unknown. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

export function remediationConsent(config: OperatorConfig, ctx: RemediationContext, namespaceLabels: NamespaceLabels | undefined): ConsentDecision {
  const namespace = ctx.incident.metadata.namespace;
  return evaluateRemediationConsent({
    namespace,
    watchNamespaces: config.watchNamespaces,
    protectedNamespaces: config.protectedNamespaces,
    deploymentLabels: (ctx.target?.deployment ?? ctx.target?.statefulSet)?.metadata?.labels, // the target workload's own labels
    workloadKind: ctx.target?.statefulSet && !ctx.target.deployment ? 'StatefulSet' : 'Deployment',
    namespaceLabels: namespaceLabels?.(namespace),
    autoRollbackSelector: { label: config.autoRollbackLabel, value: config.autoRollbackValue },
  });
}

/** The record for status: who consented (kept on the intent and outcome, for the audit trail). */
export function consentRecord(d: ConsentDecision): NonNullable<RemediationStatus['consent']> {
  return { permitted: d.permitted, reason: d.reason, message: d.message, ...(d.via ? { via: d.via } : {}) };
}

/** The refusal to record when there is no consent, or undefined when the action may go ahead. */
export function notPermitted(d: ConsentDecision, action: RemediationAction, toRevision?: number): RemediationStatus | undefined {
  if (d.permitted) return undefined;
  return {
    state: 'Refused', action, reason: Reason.RemediationNotPermitted, ...(toRevision !== undefined ? { toRevision } : {}),
    message: `${action === 'Rollback' ? 'rollback' : 'query termination'} not permitted (${d.reason}): ${d.message}`,
    consent: consentRecord(d),
  };
}
