/**
 * maintenance (issue 15): is a maintenance window / freeze active for this Incident? Windows come from its
 * EscalationPolicy (spec.escalationPolicyRef, else `default` in its namespace, else the operator's default —
 * the same order as the escalator) and the Namespace annotation runbook.dev/maintenance-windows. While one is
 * active the reconciler still diagnoses and records, but does not remediate and does not page (P0 only when
 * the window says pageP0); the MaintenanceWindow condition and a timeline entry / Event say so. Afterwards
 * the still-open Incident proceeds (the condition goes False and the steps run again).
 */
import { Annotation, ConditionType, Reason } from '../api/reasons.js';
import { activeMaintenanceWindow, describeWindow, suppression } from '../decide/maintenance-window.js';
import type { Caches } from '../ports/caches.js';
import { condition, isTerminal, note, type ReconcileContext } from './reconcile-context.js';

export interface MaintenanceVerdict { act: boolean; page: boolean }

function windowsOfPolicy(caches: Caches, ns: string, name: string | undefined): unknown {
  if (!name) return undefined;
  const spec = caches.policies.get(ns, name)?.spec;
  return typeof spec === 'object' && spec !== null && 'maintenanceWindows' in spec ? spec.maintenanceWindows : undefined;
}

export function maintenanceStep(ctx: ReconcileContext, caches: Caches, operatorNamespace: string, operatorPolicy: string | undefined): MaintenanceVerdict {
  const prev = ctx.status.conditions?.find((c) => c.type === ConditionType.MaintenanceWindow);
  if (isTerminal(ctx.status.phase)) return { act: true, page: true };
  const ns = ctx.namespace;
  const ref = ctx.incident.spec.escalationPolicyRef?.name;
  const policy = windowsOfPolicy(caches, ns, ref) ?? windowsOfPolicy(caches, ns, 'default') ?? windowsOfPolicy(caches, operatorNamespace, operatorPolicy);
  const annotation = caches.namespaces.get(undefined, ns)?.metadata?.annotations?.[Annotation.maintenanceWindows];
  const { active } = activeMaintenanceWindow([policy, annotation], ctx.now);
  const verdict = suppression(active, ctx.incident.spec.severity);
  if (!active) {
    if (prev?.status === 'True') {
      condition(ctx, { type: ConditionType.MaintenanceWindow, status: 'False', reason: Reason.MaintenanceWindowEnded, message: 'no maintenance window active: proceeding' });
      note(ctx, { type: 'MaintenanceWindowEnded', reason: Reason.MaintenanceWindowEnded, message: 'maintenance window over: the incident proceeds' });
    }
    return verdict;
  }
  const what = `${describeWindow(active)} active: diagnosis recorded, no remediation${verdict.page ? ' (P0 pages)' : ', no paging'}`;
  if (prev?.status !== 'True') note(ctx, { type: 'ActionSuppressed', reason: Reason.MaintenanceWindowActive, message: what, warn: true });
  condition(ctx, { type: ConditionType.MaintenanceWindow, status: 'True', reason: Reason.MaintenanceWindowActive, message: what });
  // Re-check when the window ends (explicit range), else every 30 s.
  const endsIn = active.end ? Date.parse(active.end) - ctx.now.getTime() + 100 : Infinity;
  ctx.requeue.push(Math.max(100, Math.min(30_000, endsIn)));
  return verdict;
}
