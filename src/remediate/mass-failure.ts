/**
 * The MassFailure Incident (issue 15): when the cluster-wide blast-radius budget holds rollbacks back, ONE
 * open Incident (created-by mass-failure, no target) lists every Deployment waiting for a slot and pages
 * like any escalated Incident. The waiting Incidents still roll back one by one as slots free up; the
 * MassFailure Incident stays open for a person to resolve (it says what happened to how many services).
 */
import type { Incident } from '../api/incident.js';
import { GROUP, INCIDENT_KIND, VERSION } from '../api/incident.js';
import { CreatedBy, Label, Reason } from '../api/reasons.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import type { Caches } from '../ports/caches.js';
import { isAlreadyExists } from '../runtime/kube-errors.js';
import { isDns1123Label, isDns1123Subdomain } from '../intake/alertmanager.js';

const MAX_LISTED = 50;

export interface MassFailureDeps { incidents: IncidentClient; caches: Caches; log: Logger }

/** Default-deny: only `namespace/deployment` made of Kubernetes names is listed (a description can be edited). */
function isWorkloadRef(s: string): boolean {
  const [ns, name, ...rest] = s.split('/');
  return rest.length === 0 && ns !== undefined && name !== undefined && isDns1123Label(ns) && isDns1123Subdomain(name);
}

/** `namespace/deployment` of every Incident waiting for a blast-radius slot (the caller's own included). */
export function waitingForBudget(caches: Caches, also: string): string[] {
  const out = new Set<string>([also]);
  for (const i of caches.incidents.list()) {
    if (i.status?.remediation?.reason === Reason.BlastRadiusBudgetExhausted && i.spec.target?.name) out.add(`${i.metadata.namespace}/${i.spec.target.name}`);
  }
  return [...out].filter(isWorkloadRef).sort();
}

function isOpen(i: Incident): boolean {
  return i.metadata.labels?.[Label.createdBy] === CreatedBy.massFailure && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed';
}

export function massFailureDescription(waiting: readonly string[], budget: string): string {
  const listed = waiting.slice(0, MAX_LISTED).join(', ');
  const more = waiting.length > MAX_LISTED ? ` and ${waiting.length - MAX_LISTED} more` : '';
  return `Mass failure: ${waiting.length} Deployment(s) need a rollback beyond the cluster-wide blast-radius budget (${budget}); ` +
    `they are rolled back one by one as the budget allows: ${listed}${more}`;
}

/** Creates the open MassFailure Incident in `namespace`, or updates the list on the one already open. */
export async function reportMassFailure(d: MassFailureDeps, namespace: string, deployment: string, budget: string, name: string): Promise<void> {
  const waiting = waitingForBudget(d.caches, `${namespace}/${deployment}`);
  const open = d.caches.incidents.list().find(isOpen);
  if (open) {
    const known = open.spec.description ?? '';
    if (waiting.every((w) => known.includes(w))) return;
    const previously = known.split(': ').pop()?.split(', ').map((s) => s.trim()).filter(isWorkloadRef) ?? [];
    const all = [...new Set([...previously, ...waiting])].sort();
    await d.incidents.patchMetadataAndSpec(open.metadata.namespace, open.metadata.name, { spec: { description: massFailureDescription(all, budget).slice(0, 4096) } });
    return;
  }
  const incident: Incident = {
    apiVersion: `${GROUP}/${VERSION}`, kind: INCIDENT_KIND,
    metadata: { name, namespace, labels: { [Label.createdBy]: CreatedBy.massFailure } },
    spec: {
      severity: 'P1',
      summary: `Mass failure: ${waiting.length}+ Deployments need a rollback beyond the blast-radius budget`.slice(0, 120),
      description: massFailureDescription(waiting, budget).slice(0, 4096),
      runbook: 'MassFailure',
    },
  };
  try {
    await d.incidents.create(incident);
    d.log.warn('mass failure: incident opened', { incident: `${namespace}/${name}`, waiting: waiting.length });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
