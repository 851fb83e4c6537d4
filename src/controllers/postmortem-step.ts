/**
 * postmortem: after a P0/P1 incident resolves, the PostmortemDue condition and one reminder (a timeline entry and a
 * Warning Event) before the deadline, until a person marks the post-mortem done (decidePostmortem).
 */
import { Reason } from '../api/reasons.js';
import { decidePostmortem, DefaultPostmortemSettings, type PostmortemSettings } from '../decide/postmortem-due.js';
import { condition, note, type ReconcileContext } from './reconcile-context.js';

export function postmortemStep(ctx: ReconcileContext, settings: PostmortemSettings = DefaultPostmortemSettings): void {
  const d = decidePostmortem(ctx.incident.spec, ctx.status, ctx.now, settings);
  if (!d.condition) return;
  if (d.remind && d.dueAt) {
    note(ctx, { type: 'PostmortemReminder', reason: Reason.PostmortemReminder, message: `post-mortem due by ${d.dueAt.toISOString()}: write it and run kubectl incident postmortem-done ${ctx.name} --link URL`, warn: true });
  }
  condition(ctx, d.condition);
  ctx.requeue.push(d.requeueAfterMs);
}
