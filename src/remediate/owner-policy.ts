/**
 * The EscalationPolicies whose `spec.ownerRollback` may choose an owner's rollback strategy (issue 15), in the
 * escalator's order: the Incident's spec.escalationPolicyRef, the namespace's `default`, the operator's default
 * policy (ESCALATION_POLICY in the operator's namespace). Read from the cache; the choice is pure
 * (src/decide/owner-strategy-source.ts).
 */
import type { Incident } from '../api/incident.js';
import type { OwnerPolicyCandidate } from '../decide/owner-strategy-source.js';
import type { PolicyObject, ReadCache } from '../ports/caches.js';

function ownerRollbackOf(p: PolicyObject | undefined): unknown {
  const spec = p?.spec;
  return typeof spec === 'object' && spec !== null && 'ownerRollback' in spec ? spec.ownerRollback : undefined;
}

export function ownerPolicyCandidates(
  policies: ReadCache<PolicyObject> | undefined, incident: Incident, operatorNamespace: string, operatorPolicy: string | undefined,
): OwnerPolicyCandidate[] {
  if (!policies) return [];
  const ns = incident.metadata.namespace;
  const refs: [string, string | undefined][] = [[ns, incident.spec.escalationPolicyRef?.name], [ns, 'default'], [operatorNamespace, operatorPolicy]];
  const out: OwnerPolicyCandidate[] = [];
  for (const [namespace, name] of refs) {
    if (!name || out.some((c) => c.policy === `${namespace}/${name}`)) continue;
    const obj = policies.get(namespace, name);
    if (obj) out.push({ policy: `${namespace}/${name}`, ownerRollback: ownerRollbackOf(obj) });
  }
  return out;
}
