/**
 * A DatabasePerformance Incident without a target resolves once the database is healthy after the remediation.
 * Found by the kill suite: the first phase decision of each reconcile used the diagnosis's verdict (from before the
 * sessions were terminated: long-running queries), which reset the healthy streak every time, so the Incident
 * stayed in Monitoring until MonitoringTimedOut although every re-check said healthy.
 */
import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import type { DiagnosisStatus } from '../../../src/api/diagnosis.js';
import { IncidentReconciler } from '../../../src/controllers/incident-reconciler.js';
import { loadConfig } from '../../../src/config.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import type { RemediationContext, RemediationStep, Remediator } from '../../../src/ports/remediation.js';
import type { IncidentClient } from '../../../src/kube/incident-client.js';
import type { EventRecorder } from '../../../src/kube/event-recorder.js';
import type { Logger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const NS = 'orders';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function mapCache<T extends { metadata?: { namespace?: string; name?: string } }>(items: () => T[]): ReadCache<T> {
  return {
    get: (ns, name) => items().find((i) => i.metadata?.namespace === ns && i.metadata?.name === name),
    list: (ns) => items().filter((i) => ns === undefined || i.metadata?.namespace === ns),
  };
}

/** Terminates on the first call (intent recorded), succeeds on the second. */
class TerminateThenSucceed implements Remediator {
  async remediate(ctx: RemediationContext): Promise<RemediationStep> {
    const current = ctx.status.remediation ?? { state: 'None' };
    if (current.state === 'None') return { record: { state: 'Intended', action: 'TerminateQueries', intendedAt: ctx.now.toISOString(), message: 'terminating 1 session' }, persist: { type: 'TerminationIntended', reason: 'TerminationIntended', message: 'terminating 1 session' } };
    return { record: { ...current, state: 'Succeeded', reason: 'QueriesTerminated', message: 'terminated 1 session', completedAt: ctx.now.toISOString() } };
  }
}

describe('controllers/incident-reconciler: database monitoring', () => {
  it('long-running queries in the diagnosis, healthy re-checks after the termination: Resolved after the window', async () => {
    const clock = new FakeClock(T0);
    let incidents: Incident[] = [{
      metadata: { name: 'db-slow', namespace: NS, uid: 'uid-db', generation: 1, resourceVersion: '1', creationTimestamp: new Date(T0).toISOString() },
      spec: { severity: 'P2', summary: 'orders database slow', runbook: 'DatabasePerformance', database: { secretRef: { name: 'orders-db' }, terminateLongQueries: true, longQueryThresholdSeconds: 1 } },
    }];
    let rv = 1;
    const client: Pick<IncidentClient, 'replaceStatus' | 'get'> = {
      replaceStatus: async (incident, status) => {
        const updated: Incident = { ...structuredClone(incident), status: structuredClone(status), metadata: { ...incident.metadata, resourceVersion: String(++rv) } };
        incidents = [updated];
        return updated;
      },
      get: async () => incidents[0]!,
    };
    const caches: Caches = { incidents: mapCache(() => incidents), deployments: mapCache(() => []), replicaSets: mapCache(() => []), pods: mapCache(() => []), namespaces: mapCache(() => []), policies: mapCache(() => []) };
    // The diagnosis saw the pile-up: two queries over the threshold.
    const database: DiagnosisStatus['database'] = JSON.parse(JSON.stringify({
      summary: 'database reachable; 2 queries over 1s; 2 blocked',
      connectivity: { reachable: true, steps: [] },
      load: { longQueryThresholdSeconds: 1, longRunningQueries: [{ pid: 1, seconds: 5 }, { pid: 2, seconds: 4 }], blocking: [], connections: null, oldestTransaction: null, tableScans: [], errors: [] },
    }));
    const diagnose = async (incident: Incident): Promise<DiagnosisStatus> => ({
      generation: incident.metadata.generation ?? 0, completedAt: new Date(T0).toISOString(), summary: '2 queries over 1s; 2 blocked',
      checks: [{ name: 'database', ok: false, durationMs: 0 }], proposal: { action: 'TerminateQueries', reason: 'TerminationProposed', message: 'terminate' },
      ...(database ? { database } : {}),
    });
    let checks = 0;
    const events: EventRecorder = { record: async () => undefined };
    const r = new IncidentReconciler({
      clock, config: loadConfig({ MONITOR_WINDOW_SECONDS: '3', SYMPTOMS_REQUIRE_SIGNALS: 'false' }), log: silent, caches, incidents: client as IncidentClient, events,
      diagnose, remediator: new TerminateThenSucceed(), targetVersion: async () => null,
      checkDatabaseHealthy: async () => { checks++; return { healthy: true, summary: '0 queries over 1s' }; },
    });
    const key = `${NS}/db-slow`;
    for (let i = 0; i < 4 && incidents[0]!.status?.phase !== 'Monitoring'; i++) await r.reconcile(key);
    expect(incidents[0]!.status?.phase).to.equal('Monitoring');
    expect(incidents[0]!.status?.remediation?.state).to.equal('Succeeded');
    for (let s = 1; s <= 10 && incidents[0]!.status?.phase === 'Monitoring'; s++) {
      clock.set(T0 + s * 2_000);
      await r.reconcile(key);
    }
    expect(checks, 'the database was re-checked while monitoring').to.be.greaterThan(0);
    expect(incidents[0]!.status?.phase, JSON.stringify(incidents[0]!.status?.remediation)).to.equal('Resolved');
    expect(incidents[0]!.status?.phaseReason).to.equal('RecoveredAfterRemediation');
  });
});
