import { expect } from 'chai';
import type { IncidentStatus } from '../../../src/api/incident.js';
import { decidePostmortem } from '../../../src/decide/postmortem-due.js';

const resolvedAt = '2026-11-27T04:00:00.000Z';
const at = (h: number) => new Date(Date.parse(resolvedAt) + h * 3600_000);
const settings = { dueSeconds: 48 * 3600, reminderSeconds: 24 * 3600 };
const resolved = (reason?: string): IncidentStatus => ({
  phase: 'Resolved', resolvedAt,
  ...(reason ? { conditions: [{ type: 'PostmortemDue', status: 'True' as const, reason, message: 'm', lastTransitionTime: resolvedAt }] } : {}),
});

describe('decide/postmortem-due', () => {
  it('P0/P1 resolved: due 48 h after resolution; pending until the reminder time, when it reminds once', () => {
    const early = decidePostmortem({ severity: 'P1' }, resolved(), at(1), settings);
    expect(early).to.deep.include({ remind: false, requeueAfterMs: 23 * 3600_000 });
    expect(early.condition).to.deep.equal({ type: 'PostmortemDue', status: 'True', reason: 'PostmortemPending', message: 'post-mortem due by 2026-11-29T04:00:00.000Z' });
    const reminder = decidePostmortem({ severity: 'P0' }, resolved('PostmortemPending'), at(24), settings);
    expect(reminder.remind).to.equal(true);
    expect(reminder.condition?.reason).to.equal('PostmortemReminderSent');
    expect(reminder.requeueAfterMs).to.equal(24 * 3600_000);
    const again = decidePostmortem({ severity: 'P0' }, resolved('PostmortemReminderSent'), at(30), settings);
    expect(again.remind, 'one reminder only').to.equal(false);
    expect(again.condition?.reason).to.equal('PostmortemReminderSent');
  });

  it('past the deadline: Overdue, no further requeue; a late first look still reminds', () => {
    const late = decidePostmortem({ severity: 'P1' }, resolved(), at(50), settings);
    expect(late).to.deep.include({ remind: true });
    expect(late.requeueAfterMs).to.equal(undefined);
    expect(late.condition).to.deep.include({ status: 'True', reason: 'PostmortemOverdue', message: 'post-mortem overdue since 2026-11-29T04:00:00.000Z (P0/P1: due within 48 hours of resolution)' });
    expect(decidePostmortem({ severity: 'P1' }, resolved('PostmortemOverdue'), at(60), settings).remind).to.equal(false);
  });

  it('done: False with the link, no reminder', () => {
    const d = decidePostmortem({ severity: 'P1', postmortem: { done: true, link: 'https://wiki.example/pm-42' } }, resolved('PostmortemReminderSent'), at(30), settings);
    expect(d).to.deep.include({ remind: false });
    expect(d.condition).to.deep.equal({ type: 'PostmortemDue', status: 'False', reason: 'PostmortemDone', message: 'post-mortem done (https://wiki.example/pm-42)' });
  });

  it('nothing for P2/P3 or incidents not resolved; short deadlines by configuration', () => {
    expect(decidePostmortem({ severity: 'P2' }, resolved(), at(30), settings)).to.deep.equal({ remind: false });
    expect(decidePostmortem({ severity: 'P0' }, { phase: 'Monitoring' }, at(30), settings)).to.deep.equal({ remind: false });
    const short = decidePostmortem({ severity: 'P0' }, resolved(), new Date(Date.parse(resolvedAt) + 5_000), { dueSeconds: 10, reminderSeconds: 6 });
    expect(short).to.deep.include({ remind: true, requeueAfterMs: 5_000 });
    expect(short.condition?.message).to.equal('post-mortem due by 2026-11-27T04:00:10.000Z');
  });
});
