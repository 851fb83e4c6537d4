/**
 * Root hooks for the integration suite: one local control plane and one PostgreSQL per run, started
 * if not running and stopped at the end (a cluster that was already running is left alone).
 */
import { ensureCluster, stopClusterIfStartedByUs } from '../harness/cluster.js';
import { ensurePostgres, stopPostgres } from '../harness/postgres.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(90 * 60_000);
    const t0 = Date.now();
    ensureCluster();
    console.log(`      [harness] control plane ready in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    await ensurePostgres();
    console.log(`      [harness] PostgreSQL ready in ${Date.now() - t1} ms`);
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await stopPostgres();
    stopClusterIfStartedByUs();
  },
};
