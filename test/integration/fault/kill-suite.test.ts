/**
 * The kill suite's short form in CI (issue 17): 20 SIGKILLs of the leading operator replica at random
 * moments during bad releases; exactly one rollback per Deployment, no notification id delivered with
 * two different bodies, every notification delivered, every incident terminal. The long form is
 * `npm run fault:kill` (100 kills); both print their figures.
 */
import { expect } from 'chai';
import { runKillSuite } from '../../fault/kill-suite.js';

describe('fault: kill suite (short form)', function () {
  this.timeout(20 * 60_000);

  it('20 kills: one rollback per Deployment, no duplicate notifications, all incidents terminal', async () => {
    const r = await runKillSuite({ kills: Number(process.env.KILLS ?? 20), deployments: 4, log: (l) => console.log(`      ${l}`) });
    expect(r.kills).to.be.at.least(20);
    for (const [d, n] of Object.entries(r.rollbacksPerDeployment)) expect(n, `rollbacks of ${d}`).to.equal(1);
    expect(r.idsWithDifferentBodies).to.equal(0);
    expect(r.notificationsNotDelivered).to.equal(0);
    expect(r.incidentsNotTerminal).to.deep.equal([]);
  });
});
