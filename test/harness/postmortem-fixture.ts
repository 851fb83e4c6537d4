/** A resolved P1 incident with PHI canaries in what people wrote, for the post-mortem tests. */
import { randomBytes } from 'node:crypto';
import type { Incident } from '../../src/api/incident.js';

const canary = (): string => `CANARY-${randomBytes(6).toString('hex')}`;
/** PHI canaries in every field a person writes. */
export const PostmortemCanaries = { summary: canary(), description: canary(), note: canary(), who: canary(), cause: canary() };
/** 2026-11-27T03:<min>:<sec>Z. */
export const t = (min: number, sec = 0) => new Date(Date.UTC(2026, 10, 27, 3, min, sec)).toISOString();

/** A P1 API outage: detected, diagnosed, rolled back automatically, acknowledged late, resolved by a person. */
export function p1(): Incident {
  return {
    metadata: { name: 'checkout-5xx', namespace: 'shop', uid: 'u-1' },
    spec: {
      severity: 'P1', runbook: 'APIOutage', target: { name: 'checkout' },
      summary: `checkout returns 503 for patient ${PostmortemCanaries.summary}`, description: `reported by ${PostmortemCanaries.description}@clinic.example`,
      acknowledgement: { acknowledgedBy: `${PostmortemCanaries.who}@example.org` },
      resolution: { resolvedBy: `${PostmortemCanaries.who}@example.org`, note: `fixed config for ${PostmortemCanaries.note}` },
    },
    status: {
      phase: 'Resolved', phaseReason: 'ResolvedByPerson', openedAt: t(0), acknowledgeBy: t(5), respondBy: t(60), acknowledgedAt: t(7, 30), resolvedAt: t(42),
      conditions: [{ type: 'AcknowledgeDeadlineExceeded', status: 'True', reason: 'DeadlineExceeded', message: 'not acknowledged within 5 minutes', lastTransitionTime: t(5) }],
      timeline: [
        { time: t(0), phase: 'Pending', type: 'Opened', message: 'incident opened (P1)' },
        { time: t(0, 20), phase: 'Diagnosing', type: 'Diagnosed', message: 'rollout to revision 7 crash-loops; revision 6 is last known good' },
        { time: t(0, 40), phase: 'Remediating', type: 'RollbackIntended', message: 'rolling back checkout from revision 7 to revision 6' },
        { time: t(1), phase: 'Monitoring', type: 'RolledBack', message: 'rolled back checkout from revision 7 to revision 6' },
        { time: t(7, 30), phase: 'Monitoring', type: 'Acknowledged', message: 'acknowledged' },
        { time: t(42), phase: 'Resolved', type: 'Resolved', message: 'resolved by a person' },
      ],
      timelineTotal: 9,
      diagnosis: {
        generation: 1, completedAt: t(0, 20), summary: '0/3 replicas ready at revision 7; last known good: revision 6',
        checks: [{ name: 'pods', ok: false, durationMs: 12 }, { name: 'logs', ok: true, durationMs: 40 }],
        logs: { signatures: [{ signature: 'Error: connect ECONNREFUSED <ip>:<num>', count: 42 }], excerpt: [], errorLines: 42, linesScanned: 900, failures: [] },
        history: { currentRevision: 7, revisions: [{ revision: 7, createdAt: t(0), images: ['checkout:1.8'], replicaSet: 'checkout-7', changeCause: `deploy for ${PostmortemCanaries.cause}` }, { revision: 6, createdAt: null, images: ['checkout:1.7'], replicaSet: 'checkout-6' }], lastKnownGood: { revision: 6, source: 'Recorded', note: 'recorded healthy' } },
        signals: { evaluatedAt: t(0, 20), source: 'Incident', summary: '1 of 1 breached', verdicts: [{ name: 'error-rate', source: 'Prometheus', verdict: 'Breaching', value: 0.37, threshold: 0.05, comparison: '>' }] },
        proposal: { action: 'Rollback', reason: 'RolloutCrashLooping', message: 'roll back to revision 6', toRevision: 6 },
      },
      remediation: { state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', intendedAt: t(0, 40), completedAt: t(1), fromRevision: 7, toRevision: 6, monitoringStartedAt: t(1), message: 'rolled back checkout from revision 7 to revision 6' },
      escalation: { tier: 2, notified: [] },
      notifications: { outbox: [
        { key: 'opened:1:oncall', target: 'oncall', kind: 'opened', state: 'Delivered', attempts: 1, createdAt: t(0), deliveredAt: t(0, 2) },
        { key: 'escalated:2:lead', target: 'lead', kind: 'escalated', state: 'Failed', attempts: 5, createdAt: t(5) },
      ] },
    },
  };
}

