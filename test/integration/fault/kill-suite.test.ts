/**
 * The kill suite's short form in CI (issue 17): 20 SIGKILLs of the leading operator replica during bad releases,
 * lock pile-ups that terminate PostgreSQL sessions and notifications, plus replicas armed with each failpoint
 * (between rollback intent and patch, after the fast path's patch, between termination intent and signal, between
 * outbox write and delivery) that must actually reach it. Exactly one rollback per Deployment; no notification id
 * with two bodies and none lost; each planned session terminated at most once, no bystander, within the budget;
 * every incident terminal; failover max ≤ 20 s. The long form is `npm run fault:kill` (100 kills).
 */
import { expect } from 'chai';
import { FAILPOINTS } from '../../../src/config.js';
import { runKillSuite, violations } from '../../fault/kill-suite.js';

describe('fault: kill suite (short form)', function () {
  this.timeout(20 * 60_000);

  it('20 kills and every failpoint reached: one rollback each, no duplicate or lost notification, sessions terminated once, all terminal, failover ≤ 20 s', async () => {
    const kills = Number(process.env.KILLS ?? 20);
    const r = await runKillSuite({ kills, deployments: 4, pileUps: 2, log: (l) => console.log(`      ${l}`) });
    expect(r.kills + r.failpointKills, 'SIGKILLs (by the suite and at failpoints)').to.be.at.least(20);
    for (const [d, n] of Object.entries(r.rollbacksPerDeployment)) expect(n, `rollbacks of ${d}`).to.equal(1);
    expect(Object.keys(r.rollbacksPerDeployment)).to.have.length(4);
    expect(r.notifications.idsReceived).to.be.greaterThan(0);
    expect(r.notifications.idsWithDifferentBodies).to.equal(0);
    expect(r.notifications.outboxNotDelivered, 'outbox entries not delivered').to.equal(0);
    expect(r.notifications.deliveredButNeverReceived, 'recorded as delivered, never received').to.equal(0);
    expect(r.notifications.incidentsNeverNotified).to.equal(0);
    expect(r.terminations.planned).to.equal(2);
    expect(r.terminations.sessionsTerminatedTwice).to.equal(0);
    expect(r.terminations.bystandersTerminated).to.equal(0);
    expect(r.terminations.victimsKilled).to.equal(0);
    expect(r.terminations.blockersStillAlive, 'every planned session terminated').to.equal(0);
    expect(r.terminations.unitsSpent).to.be.at.most(r.terminations.budget);
    expect(r.incidentsNotTerminal).to.deep.equal([]);
    for (const f of FAILPOINTS) {
      expect(r.failpoints[f]?.started, `replicas armed with ${f}`).to.be.greaterThan(0);
      expect(r.failpoints[f]?.reached, `armed replicas that reached ${f}`).to.be.greaterThan(0);
    }
    expect(r.failoverMs.length, 'a failover sample for every leader killed').to.be.at.least(r.kills + r.failpointKills);
    expect(Math.max(...r.failoverMs), 'failover max (ms)').to.be.at.most(20_000);
    expect(violations(r, 20)).to.deep.equal([]);
  });
});
