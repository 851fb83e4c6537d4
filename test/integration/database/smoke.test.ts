/** PostgreSQL smoke test (local control plane issue): the operator role connects and sees other sessions. */
import { expect } from 'chai';
import { ensurePostgres } from '../../harness/postgres.js';

describe('PostgreSQL harness (smoke)', () => {
  it('connects as the non-superuser operator role, runs SELECT 1, and sees a long pg_sleep of another session', async () => {
    const pg = await ensurePostgres();
    const sleeper = await pg.startQuery('appUser', 'SELECT pg_sleep(30)');
    const op = await pg.connect('operator');
    try {
      const one = await op.query('SELECT 1 AS one, current_user AS who, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser');
      expect(one.rows[0]).to.deep.include({ one: 1, who: pg.operator.user, superuser: false });
      const seen = await op.query("SELECT pid, state, query FROM pg_stat_activity WHERE pid = $1", [sleeper.pid]);
      expect(seen.rows).to.have.length(1);
      expect(seen.rows[0].state).to.equal('active');
      expect(seen.rows[0].query).to.include('pg_sleep');
    } finally {
      await op.end();
      await pg.closeSessions();
    }
  });
});
