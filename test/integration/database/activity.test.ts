/**
 * Database load without Prometheus (issue 14, Build 5): pg_stat_database counters of the Incident's database,
 * read twice on a real PostgreSQL 15, show the commits, rollbacks, buffer traffic and temp bytes of a workload
 * that ran in between.
 */
import { expect } from 'chai';
import type pg from 'pg';
import { readDatabaseCounters } from '../../../src/database/activity-counters.js';
import { activityBetween } from '../../../src/decide/database-activity.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';

describe('database: activity counters (real PostgreSQL)', function () {
  this.timeout(60_000);
  let h: PgHarness;
  let operator: pg.Client;
  let app: pg.Client;

  before(async () => {
    h = await ensurePostgres();
    operator = await h.connect('operator');
    app = await h.connect('appUser');
  });
  after(async () => {
    await operator?.end().catch(() => undefined);
    await app?.end().catch(() => undefined);
  });

  it('deltas reflect the workload between the two readings', async () => {
    const before = await readDatabaseCounters(operator, 5000);
    for (let i = 0; i < 20; i++) await app.query('SELECT 1');
    await app.query('BEGIN');
    await app.query('SELECT 1');
    await app.query('ROLLBACK');
    await app.query("SET work_mem = '64kB'");
    await app.query('SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s'); // spills to a temp file
    await app.query('SELECT pg_stat_force_next_flush()');
    await app.query('SELECT 1'); // the flush happens at the end of this statement's transaction
    await new Promise((r) => setTimeout(r, 300));
    const after = await readDatabaseCounters(operator, 5000);
    const a = activityBetween(before, after);
    console.log(`      [activity] ${JSON.stringify(a)}`);
    expect(a.commits).to.be.at.least(20);
    expect(a.rollbacks).to.be.at.least(1);
    expect(a.tempBytes).to.be.greaterThan(0);
    expect(a.blocksHit + a.blocksRead).to.be.greaterThan(0);
    expect(a.windowSeconds).to.be.greaterThan(0);
  });
});
