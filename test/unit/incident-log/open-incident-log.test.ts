import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import client from 'prom-client';
import { IncidentLogConfigError, incidentLogSettings, readDatabaseUrl } from '../../../src/incident-log/open-incident-log.js';
import { registerIncidentLogMetrics } from '../../../src/incident-log/metrics.js';
import type { IncidentLogStats } from '../../../src/incident-log/incident-log-writer.js';

describe('incident-log/open-incident-log', () => {
  describe('incidentLogSettings', () => {
    const cases: { name: string; env: Record<string, string>; want?: { schema: string; maxPending: number; resyncIntervalMs: number }; badVar?: string }[] = [
      { name: 'defaults', env: {}, want: { schema: 'incident_log', maxPending: 1000, resyncIntervalMs: 300_000 } },
      { name: 'all set', env: { INCIDENT_LOG_SCHEMA: 'audit_log', INCIDENT_LOG_MAX_PENDING: '50', INCIDENT_LOG_RESYNC_SECONDS: '5' }, want: { schema: 'audit_log', maxPending: 50, resyncIntervalMs: 5_000 } },
      { name: 'empty values mean defaults', env: { INCIDENT_LOG_SCHEMA: '', INCIDENT_LOG_MAX_PENDING: '' }, want: { schema: 'incident_log', maxPending: 1000, resyncIntervalMs: 300_000 } },
      { name: 'bad schema', env: { INCIDENT_LOG_SCHEMA: 'public"; --' }, badVar: 'INCIDENT_LOG_SCHEMA' },
      { name: 'zero pending', env: { INCIDENT_LOG_MAX_PENDING: '0' }, badVar: 'INCIDENT_LOG_MAX_PENDING' },
      { name: 'fractional resync', env: { INCIDENT_LOG_RESYNC_SECONDS: '1.5' }, badVar: 'INCIDENT_LOG_RESYNC_SECONDS' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        if (c.want) { expect(incidentLogSettings(c.env)).to.deep.equal(c.want); return; }
        expect(() => incidentLogSettings(c.env)).to.throw(IncidentLogConfigError).with.property('variable', c.badVar);
      });
    }
  });

  describe('readDatabaseUrl: errors never quote the file content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'incident-log-url-'));
    const file = (name: string, content: string) => { const p = join(dir, name); writeFileSync(p, content); return p; };
    const secretish = 'hunter2-s3cr3t';
    const cases: { name: string; path: () => string; want?: string; error?: RegExp }[] = [
      { name: 'postgresql URL, trimmed', path: () => file('ok', ` postgresql://u:${secretish}@db:5432/log?sslmode=disable\n`), want: `postgresql://u:${secretish}@db:5432/log?sslmode=disable` },
      { name: 'postgres scheme', path: () => file('ok2', `postgres://u:${secretish}@db/log`), want: `postgres://u:${secretish}@db/log` },
      { name: 'wrong scheme', path: () => file('http', `http://u:${secretish}@db/log`), error: /postgres:\/\/ or postgresql:\/\/ URL/ },
      { name: 'not a URL', path: () => file('junk', `password=${secretish} host=db`), error: /postgres:\/\/ or postgresql:\/\/ URL/ },
      { name: 'missing file', path: () => join(dir, 'nope'), error: /cannot read the file \(ENOENT\)/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        if (c.want) { expect(await readDatabaseUrl(c.path())).to.equal(c.want); return; }
        const err = await readDatabaseUrl(c.path()).then(() => undefined, (e: Error) => e);
        expect(err).to.be.instanceOf(IncidentLogConfigError);
        expect(err!.message).to.match(c.error!);
        expect(err!.message).to.not.include(secretish);
      });
    }
  });

  it('registerIncidentLogMetrics exposes the writer counters and the pending gauge at scrape time', async () => {
    const registry = new client.Registry();
    let stats: IncidentLogStats = { written: 0, entriesWritten: 0, failures: 0, pending: 0, dropped: 0, rejected: 0, lostEntries: 0 };
    registerIncidentLogMetrics(registry, () => stats);
    stats = { written: 3, entriesWritten: 17, failures: 2, pending: 5, dropped: 1, rejected: 4, lostEntries: 6 };
    const text = await registry.metrics();
    const cases: [string, number][] = [
      ['incident_operator_incident_log_written_total', 3],
      ['incident_operator_incident_log_entries_written_total', 17],
      ['incident_operator_incident_log_failures_total', 2],
      ['incident_operator_incident_log_pending', 5],
      ['incident_operator_incident_log_dropped_total', 1],
      ['incident_operator_incident_log_rejected_total', 4],
      ['incident_operator_incident_log_lost_entries_total', 6],
    ];
    for (const [name, value] of cases) expect(text, name).to.match(new RegExp(`^${name} ${value}$`, 'm'));
    expect(text, 'no lag gauge unless a lag is given').to.not.include('incident_operator_incident_log_lag_seconds');
  });

  it('registerIncidentLogMetrics exposes the lag (seconds the oldest unwritten state waited) when given', async () => {
    const registry = new client.Registry();
    let lag = 0;
    registerIncidentLogMetrics(registry, () => ({ written: 0, entriesWritten: 0, failures: 0, pending: 0, dropped: 0, rejected: 0, lostEntries: 0 }), () => lag);
    expect(await registry.metrics()).to.match(/^incident_operator_incident_log_lag_seconds 0$/m);
    lag = 42.5;
    expect(await registry.metrics()).to.match(/^incident_operator_incident_log_lag_seconds 42.5$/m);
  });
});
