/**
 * The post-mortem draft of an Incident (runbook, post-incident: "post-mortem within 48 hours for P0/P1",
 * "update runbook", "update monitoring and alerting"), as data both renderers (Markdown, HTML) read. Pure:
 * built from the Incident's status (and, when given, the full timeline from the incident log) at `now`.
 * PHI-safe by the evidence rules: every text a person wrote (summary, description, resolution note, user names)
 * goes through redactText; operator-written text through redactOperatorText (its own timestamps kept).
 */
import type { Incident, TimelineEntry } from '../api/incident.js';
import { ConditionType } from '../api/reasons.js';
import { parseTime } from '../decide/time.js';
import { redactOperatorText, redactText } from '../redact/phi.js';

/** P0/P1 need a post-mortem within this many hours of resolution. */
export const PostmortemDueHours = 48;

export interface Milestone { label: string; time: string }
export interface TimelineRow { time: string; phase: string; type: string; message: string }
export interface PostmortemModel {
  title: string;
  generatedAt: string;
  /** When the post-mortem is due (P0/P1 only). */
  dueAt?: string;
  summary: string[];
  impact: string[];
  milestones: Milestone[];
  timeline: TimelineRow[];
  /** Entries no longer in status nor given from the incident log. */
  timelineOmitted: number;
  evidence: { heading: string; lines: string[] }[];
  automated: string[];
  people: string[];
  followUps: string[];
}

const person = (s: string | undefined) => redactText(s ?? '', { maxLength: 200 }) || '(not recorded)';
const op = (s: string | undefined, maxLength = 300) => redactOperatorText(s ?? '', { keepTimestamps: true, maxLength });

/** `1h 02m 03s` (or `2m 05s`, `40s`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

const between = (a: string | undefined, b: string | undefined): number | undefined => {
  const x = parseTime(a);
  const y = parseTime(b);
  return x && y ? (y.getTime() - x.getTime()) / 1000 : undefined;
};

const firstOf = (entries: readonly TimelineEntry[], ...types: string[]) => entries.find((e) => types.includes(e.type))?.time;

/** The draft of `incident` at `now`; `fullTimeline`: every entry from the incident log (else status.timeline). */
export function postmortemModel(incident: Incident, now: Date, fullTimeline?: readonly TimelineEntry[]): PostmortemModel {
  const s = incident.status ?? {};
  const spec = incident.spec;
  const d = s.diagnosis;
  const entries = [...(fullTimeline ?? s.timeline ?? [])].sort((a, b) => a.time.localeCompare(b.time));
  const ref = `${incident.metadata.namespace}/${incident.metadata.name}`;
  const resolved = s.resolvedAt;
  const dueBase = parseTime(resolved) ?? now;
  const dueAt = spec.severity === 'P0' || spec.severity === 'P1' ? new Date(dueBase.getTime() + PostmortemDueHours * 3600_000).toISOString() : undefined;

  const summary = [
    `Incident ${ref}, severity ${spec.severity}${spec.runbook ? `, runbook ${spec.runbook}` : ''}${spec.target ? `, target Deployment ${spec.target.name}` : ''}${spec.database ? ', database incident' : ''}.`,
    `What was reported: ${person(spec.summary)}`,
    ...(spec.description ? [`Description: ${person(spec.description)}`] : []),
    `Outcome: ${s.phase ?? 'Pending'}${s.phaseReason ? ` (${s.phaseReason})` : ''}.`,
    ...(d ? [`Diagnosis: ${op(d.summary)}`] : []),
  ];

  const impact: string[] = [];
  const total = between(s.openedAt, resolved ?? now.toISOString());
  if (total !== undefined) impact.push(`${resolved ? 'Duration' : 'Open for'}: ${formatDuration(total)} (opened ${s.openedAt}${resolved ? `, resolved ${resolved}` : ', not resolved yet'}).`);
  const tta = between(s.openedAt, s.acknowledgedAt);
  impact.push(tta !== undefined ? `Time to acknowledge: ${formatDuration(tta)}.` : 'Not acknowledged by a person.');
  for (const [type, what, deadline] of [[ConditionType.AcknowledgeDeadlineExceeded, 'Acknowledge deadline', s.acknowledgeBy], [ConditionType.ResponseDeadlineExceeded, 'Response deadline', s.respondBy]] as const) {
    const breached = s.conditions?.some((c) => c.type === type && c.status === 'True');
    if (deadline) impact.push(`${what} ${deadline}: ${breached ? 'EXCEEDED' : 'met'}.`);
  }
  const pods = s.podHealth ?? d?.pods;
  if (pods) impact.push(`Pods at the last observation: ${pods.ready}/${pods.desired} ready, ${pods.crashLoopingPods} crash-looping.`);
  if (s.escalation?.tier) impact.push(`Escalated to tier ${s.escalation.tier}.`);

  const r = s.remediation;
  const milestones: Milestone[] = [];
  const add = (label: string, time: string | undefined) => { if (time && parseTime(time)) milestones.push({ label, time }); };
  add('Detected', s.openedAt);
  add('Diagnosed', d?.completedAt ?? firstOf(entries, 'Diagnosed'));
  add('Acknowledged', s.acknowledgedAt);
  add(r?.action === 'TerminateQueries' ? 'Remediation intended' : 'Rollback intended', r?.intendedAt);
  if (r?.state === 'Succeeded') add(r.action === 'TerminateQueries' ? 'Queries terminated' : 'Rolled back', r.completedAt);
  add('Monitoring started', r?.monitoringStartedAt);
  add('Resolved', resolved);
  milestones.sort((a, b) => a.time.localeCompare(b.time));

  const timeline = entries.map((e) => ({ time: e.time, phase: e.phase ?? '-', type: e.type, message: op(e.message) }));
  const timelineOmitted = Math.max(0, (s.timelineTotal ?? entries.length) - entries.length);

  const evidence: PostmortemModel['evidence'] = [];
  const sigs = d?.logs?.signatures ?? [];
  if (sigs.length) evidence.push({ heading: 'Log error signatures', lines: sigs.slice(0, 10).map((g) => `${g.count} × ${op(g.signature, 200)}`) });
  const h = d?.history;
  if (h) {
    evidence.push({ heading: 'Rollout history', lines: [
      `Current revision: ${h.currentRevision ?? 'unknown'}; last known good: ${h.lastKnownGood.revision ?? 'none'} (${h.lastKnownGood.source}).`,
      ...h.revisions.slice(0, 5).map((v) => `Revision ${v.revision}${v.createdAt ? ` created ${v.createdAt}` : ''}${v.changeCause ? `: ${person(v.changeCause)}` : ''}`),
    ] });
  }
  const db = d?.database;
  if (db) {
    const lines: string[] = [];
    if (db.connectivity) lines.push(`Connectivity: ${op(db.connectivity.summary)} (${db.connectivity.totalLatencyMs} ms).`);
    if (db.load) lines.push(`Long-running queries: ${db.load.longRunningQueries.length}${db.load.connections ? `; connections ${db.load.connections.used}/${db.load.connections.maxConnections}` : ''}.`);
    if (!db.secret.ok) lines.push(`Connection Secret unusable: ${op(db.secret.message)}`);
    evidence.push({ heading: 'Database findings', lines });
  }
  const sig = d?.signals;
  if (sig?.verdicts.length) {
    evidence.push({ heading: 'Health signals at diagnosis', lines: sig.verdicts.map((v) => `${op(v.name, 80)}: ${v.value ?? 'no value'} (breach when ${v.comparison} ${v.threshold}) → ${v.verdict}`) });
  }
  if (d?.proposal) evidence.push({ heading: 'Proposed remediation', lines: [`${d.proposal.action} (${d.proposal.reason}): ${op(d.proposal.message)}`] });

  const automated: string[] = [];
  if (d) automated.push(`Diagnosed at ${d.completedAt}: ${d.checks.length} checks (${d.checks.filter((c) => !c.ok).length} failed).`);
  if (r && r.state !== 'None') automated.push(`${r.action ?? 'Remediation'}: ${r.state}${r.reason ? ` (${r.reason})` : ''}${r.message ? ` — ${op(r.message)}` : ''}.`);
  const delivered = (s.notifications?.outbox ?? []).filter((e) => e.state === 'Delivered').length;
  const failed = (s.notifications?.outbox ?? []).filter((e) => e.state === 'Failed').length;
  if (s.notifications?.outbox?.length) automated.push(`Notifications: ${delivered} delivered, ${failed} failed.`);
  if (s.escalation?.notified?.length) automated.push(`Escalation decisions: ${s.escalation.notified.length} (highest tier ${s.escalation.tier ?? 0}).`);

  const people: string[] = [];
  if (spec.acknowledgement) people.push(`Acknowledged by ${person(spec.acknowledgement.acknowledgedBy)} at ${s.acknowledgedAt ?? spec.acknowledgement.acknowledgedAt ?? 'an unrecorded time'}.`);
  if (spec.rollback?.approved) people.push('Approved the proposed rollback (spec.rollback.approved).');
  if (spec.resolution) people.push(`Resolved by ${person(spec.resolution.resolvedBy)} at ${resolved ?? spec.resolution.resolvedAt ?? 'an unrecorded time'}${spec.resolution.note ? `: ${person(spec.resolution.note)}` : ''}.`);
  if (people.length === 0) people.push('No person acted on the Incident object (acknowledge, approve, resolve).');

  const followUps = [
    `Update the runbook${spec.runbook ? ` (${spec.runbook})` : ''}: what did responders need that it did not say?`,
    'Update monitoring and alerting: would an earlier or clearer alert have shortened detection or acknowledgement?',
    ...(tta === undefined || s.conditions?.some((c) => c.type === ConditionType.AcknowledgeDeadlineExceeded && c.status === 'True') ? ['Action item: why was the acknowledge deadline missed (paging, rota, escalation policy)?'] : []),
    ...(r?.state === 'Failed' || r?.state === 'Refused' ? [`Action item: why did the automated ${r.action ?? 'remediation'} not succeed (${r.reason ?? 'unknown'})?`] : []),
    ...(h?.currentRevision !== undefined && h.currentRevision !== null && r?.action === 'Rollback' ? [`Action item: fix forward what revision ${r.fromRevision ?? h.currentRevision} broke, and add the missing test.`] : []),
    'Action items: owners and dates for each change above.',
  ];

  return {
    title: `Post-mortem draft: ${incident.metadata.name} (${spec.severity})`,
    generatedAt: now.toISOString(),
    ...(dueAt ? { dueAt } : {}),
    summary, impact, milestones, timeline, timelineOmitted, evidence, automated, people, followUps,
  };
}
