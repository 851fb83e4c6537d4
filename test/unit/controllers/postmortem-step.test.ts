import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { postmortemStep } from '../../../src/controllers/postmortem-step.js';
import { newContext, requeueAfter } from '../../../src/controllers/reconcile-context.js';

const incident = (done = false): Incident => ({
  metadata: { name: 'checkout-5xx', namespace: 'shop', generation: 3 },
  spec: { severity: 'P1', summary: 's', ...(done ? { postmortem: { done: true, link: 'https://wiki.example/pm' } } : {}) },
  status: { phase: 'Resolved', resolvedAt: '2026-11-27T04:00:00.000Z' },
});
const ctxAt = (i: Incident, iso: string) => newContext({ key: 'shop/checkout-5xx', namespace: 'shop', name: 'checkout-5xx', now: new Date(iso), reconcileId: 'r', incident: i });

describe('controllers/postmortem-step', () => {
  it('resolved P1: PostmortemDue True and a requeue at the reminder time (a resolved incident is otherwise not requeued)', () => {
    const ctx = ctxAt(incident(), '2026-11-27T05:00:00.000Z');
    postmortemStep(ctx, { dueSeconds: 48 * 3600, reminderSeconds: 24 * 3600 });
    expect(ctx.status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).to.deep.equal(['PostmortemDue=True/PostmortemPending']);
    expect(requeueAfter(ctx)).to.deep.equal({ requeueAfterMs: 23 * 3600_000 });
    expect(ctx.events).to.deep.equal([]);
  });

  it('at the reminder time: one timeline entry and a Warning Event naming the deadline and the command', () => {
    const ctx = ctxAt(incident(), '2026-11-28T04:00:00.000Z');
    postmortemStep(ctx, { dueSeconds: 48 * 3600, reminderSeconds: 24 * 3600 });
    expect(ctx.status.timeline?.map((e) => e.type)).to.deep.equal(['PostmortemReminder']);
    expect(ctx.events).to.deep.equal([{ type: 'Warning', reason: 'PostmortemReminder', message: 'post-mortem due by 2026-11-29T04:00:00.000Z: write it and run kubectl incident postmortem-done checkout-5xx --link URL' }]);
    // The next reconcile (status written) does not remind again.
    const next = ctxAt({ ...incident(), status: ctx.status }, '2026-11-28T05:00:00.000Z');
    postmortemStep(next, { dueSeconds: 48 * 3600, reminderSeconds: 24 * 3600 });
    expect(next.events).to.deep.equal([]);
  });

  it('marked done: PostmortemDue False, no requeue', () => {
    const ctx = ctxAt(incident(true), '2026-11-28T05:00:00.000Z');
    postmortemStep(ctx);
    expect(ctx.status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).to.deep.equal(['PostmortemDue=False/PostmortemDone']);
    expect(requeueAfter(ctx)).to.equal(undefined);
  });
});
