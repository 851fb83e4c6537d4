/**
 * The post-mortem draft stored in the incident log on a real PostgreSQL: the writer puts the draft of a resolved
 * P1 incident into incident_log.postmortems in the same transaction as its summary, PHI-safe.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { IncidentLogWriter } from '../../../src/incident-log/incident-log-writer.js';
import { createLogger } from '../../../src/log.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';
import { p1, PostmortemCanaries } from '../../harness/postmortem-fixture.js';

describe('postmortem: the draft in the incident log (PostgreSQL)', function () {
  this.timeout(120_000);
  let h: PgHarness;
  let database = '';
  let pool: pg.Pool | undefined;

  before(async () => {
    h = await ensurePostgres();
    database = `pm_log_${randomBytes(4).toString('hex')}`;
    await h.adminQuery(`CREATE DATABASE ${database}`, [], 'postgres');
    await h.adminQuery(`GRANT CONNECT ON DATABASE ${database} TO ${h.operator.user}`, [], 'postgres');
    await h.adminQuery(`CREATE SCHEMA incident_log AUTHORIZATION ${h.operator.user}`, [], database);
  });
  after(async () => {
    await pool?.end().catch(() => undefined);
    if (database) await h.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, [], 'postgres').catch(() => undefined);
  });

  it('a resolved P1 incident\'s draft is stored with its resolution time, every section, and no PHI canary', async () => {
    pool = new pg.Pool({ ...h.clientConfig('operator', database), max: 1 });
    const writer = new IncidentLogWriter({ pool, log: createLogger('error', new PassThrough()) }).start();
    const incident = p1();
    writer.enqueue(incident);
    expect(await writer.flush(30_000)).to.equal(true);
    await writer.close(5_000);
    pool = undefined;
    const rows = await h.adminQuery('SELECT namespace, name, severity, resolved_at, markdown FROM incident_log.postmortems WHERE incident_uid = $1', ['u-1'], database);
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect(row).to.deep.include({ namespace: 'shop', name: 'checkout-5xx', severity: 'P1' });
    expect((row.resolved_at as Date).toISOString()).to.equal(incident.status!.resolvedAt);
    const md = String(row.markdown);
    for (const heading of ['## Summary', '## Impact', '## Timeline', '## Evidence', '## What was automated', '## What people did', '## Follow-ups']) expect(md).to.include(heading);
    expect(md).to.include(`| Resolved | ${incident.status!.resolvedAt} |`);
    for (const v of Object.values(PostmortemCanaries)) expect(md).to.not.include(v);
    const summary = await h.adminQuery('SELECT phase, postmortem_due_at FROM incident_log.incidents WHERE incident_uid = $1', ['u-1'], database);
    expect(summary[0]).to.deep.include({ phase: 'Resolved' });
  });
});
