/**
 * Every output surface that evidence reaches, as pure functions of one input line: redacted text, log
 * signatures (normalised line, grouped report, summary), operator text, and the three notification bodies
 * built from an event whose every free-text field is the line.
 */
import { extractErrorSignatures, normaliseLogLine, summariseSignatures } from '../../../../src/redact/log-signatures.js';
import { redactOperatorText, redactText } from '../../../../src/redact/phi.js';
import { fingerprintSql } from '../../../../src/redact/sql-fingerprint.js';
import { buildPagerDutyEvent } from '../../../../src/notify/pagerduty.js';
import { buildSlackMessage } from '../../../../src/notify/slack.js';
import { buildWebhookBody } from '../../../../src/notify/webhook.js';
import type { NotificationEvent } from '../../../../src/notify/types.js';

/**
 * An event carrying `text` in every free-text field. `operatorFields: false` keeps it out of `reason`, `ask` and
 * the timeline, which the operator writes itself and in which its own ISO deadlines stay readable.
 */
export function notificationEvent(text: string, opts: { operatorFields?: boolean } = {}): NotificationEvent {
  const operator = opts.operatorFields ?? true;
  return {
    incidentUid: 'c0ffee00-0000-4000-8000-000000000011',
    incidentName: 'am-f00dfeedc0dec0ffeebadd00',
    namespace: 'privacy',
    severity: 'P1',
    phase: 'Escalated',
    summary: text,
    target: 'api',
    tier: 2,
    tierName: 'Engineering manager',
    kind: 'escalated',
    reason: operator ? text : 'not acknowledged by 2026-11-27T03:15:00.000Z; escalating to tier 2',
    actionsTaken: [operator ? text : 'Collected pod status'],
    impact: { replicasAvailable: 0, replicasDesired: 2, openForSeconds: 600 },
    logSignatures: [{ signature: normaliseLogLine(text), count: 2 }],
    metrics: { sample: text },
    ask: operator ? text : 'Acknowledge within 15 minutes',
    links: { incident: 'https://ops.example.org/incidents/privacy/am-f00dfeedc0dec0ffeebadd00' },
    occurredAt: '2026-11-27T03:00:00.000Z',
  };
}

/** Named outputs for one log line (the line is used as-is, and as a two-line block with a repeat). */
export function logSurfaces(line: string): Record<string, string> {
  const report = extractErrorSignatures([line, `ERROR after ${line}`]);
  return {
    redactText: redactText(line),
    redactOperatorText: redactOperatorText(line),
    normaliseLogLine: normaliseLogLine(line),
    signatures: JSON.stringify(report),
    summary: summariseSignatures(report, 3),
  };
}

/** The three receiver bodies for an event whose every free-text field is `line`. */
export function notificationSurfaces(line: string, opts: { operatorFields?: boolean } = {}): Record<string, string> {
  const ev = notificationEvent(line, opts);
  return {
    slack: JSON.stringify(buildSlackMessage(ev)),
    pagerduty: JSON.stringify(buildPagerDutyEvent(ev, 'routing-key-fixture')),
    webhook: JSON.stringify(buildWebhookBody(ev)),
  };
}

export function sqlSurfaces(sql: string): Record<string, string> {
  return { fingerprintSql: fingerprintSql(sql), redactText: redactText(sql), normaliseLogLine: normaliseLogLine(`ERROR query failed: ${sql}`) };
}
