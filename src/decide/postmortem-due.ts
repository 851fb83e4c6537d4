/**
 * The runbook's "post-mortem within 48 hours for P0/P1": after a P0/P1 incident resolves, a `PostmortemDue`
 * condition stays True until someone marks the post-mortem done (`kubectl incident postmortem-done NAME --link`),
 * and one reminder goes out `reminderSeconds` before the deadline. Pure: every input is given.
 */
import type { Condition, IncidentSpec, IncidentStatus } from '../api/incident.js';
import { ConditionType, Reason } from '../api/reasons.js';
import { parseTime } from './time.js';

export interface PostmortemSettings {
  /** Seconds after resolution the post-mortem is due (POSTMORTEM_DUE_SECONDS, default 48 h). */
  dueSeconds: number;
  /** Seconds before the deadline the reminder goes out (POSTMORTEM_REMINDER_SECONDS, default 24 h). */
  reminderSeconds: number;
}

export const DefaultPostmortemSettings: PostmortemSettings = { dueSeconds: 48 * 3600, reminderSeconds: 24 * 3600 };

export interface PostmortemDecision {
  /** The PostmortemDue condition to set (undefined: the incident needs none). */
  condition?: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;
  /** Send the reminder now (once). */
  remind: boolean;
  dueAt?: Date;
  /** When to look again (the reminder time, else the deadline), in ms from now. */
  requeueAfterMs?: number;
}

/** What the post-mortem duty asks for at `now`. */
export function decidePostmortem(spec: Pick<IncidentSpec, 'severity' | 'postmortem'>, status: IncidentStatus, now: Date, settings: PostmortemSettings): PostmortemDecision {
  if (spec.severity !== 'P0' && spec.severity !== 'P1') return { remind: false };
  const resolved = status.phase === 'Resolved' ? parseTime(status.resolvedAt) : undefined;
  if (!resolved) return { remind: false };
  const dueAt = new Date(resolved.getTime() + settings.dueSeconds * 1000);
  const due = dueAt.toISOString();
  if (spec.postmortem?.done) {
    const link = spec.postmortem.link ? ` (${spec.postmortem.link})` : '';
    return { remind: false, dueAt, condition: { type: ConditionType.PostmortemDue, status: 'False', reason: Reason.PostmortemDone, message: `post-mortem done${link}` } };
  }
  const prev = status.conditions?.find((c) => c.type === ConditionType.PostmortemDue);
  const reminded = prev?.status === 'True' && (prev.reason === Reason.PostmortemReminderSent || prev.reason === Reason.PostmortemOverdue);
  const remindAt = dueAt.getTime() - settings.reminderSeconds * 1000;
  const overdue = now.getTime() >= dueAt.getTime();
  const remind = !reminded && now.getTime() >= remindAt;
  const reason = overdue ? Reason.PostmortemOverdue : remind || reminded ? Reason.PostmortemReminderSent : Reason.PostmortemPending;
  const message = overdue ? `post-mortem overdue since ${due} (P0/P1: due within ${formatHours(settings.dueSeconds)} of resolution)` : `post-mortem due by ${due}`;
  const next = now.getTime() < remindAt ? remindAt : now.getTime() < dueAt.getTime() ? dueAt.getTime() : undefined;
  return {
    remind, dueAt,
    condition: { type: ConditionType.PostmortemDue, status: 'True', reason, message },
    ...(next !== undefined ? { requeueAfterMs: Math.max(1000, next - now.getTime()) } : {}),
  };
}

const formatHours = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} hours` : `${seconds} seconds`);
