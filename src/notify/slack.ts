/**
 * Slack incoming-webhook message for an incident notification (pure).
 *
 * Layout follows the runbook's escalation checklist: severity / phase / target, summary, why the reader
 * gets this, what is asked of them, impact, what was already done, relevant logs and metrics.
 */
import {
  KindTitles,
  SeverityDescriptions,
  boundedActions,
  boundedMetrics,
  boundedSignatures,
  describeImpact,
  safeIdent,
  safeLinks,
  safeOperatorText,
  safeSummary,
  targetRef,
  truncate,
} from './format-common.js';
import type { NotificationEvent } from './types.js';

/** Slack Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SlackHeaderMax = 150;
export const SlackSectionTextMax = 3000;
export const SlackFieldTextMax = 2000;
export const SlackFallbackTextMax = 500;

export interface SlackTextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackTextObject }
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const SeverityIcons: Readonly<Record<NotificationEvent['severity'], string>> = {
  P0: ':red_circle:',
  P1: ':large_orange_circle:',
  P2: ':large_yellow_circle:',
  P3: ':large_blue_circle:',
};

/** Slack control characters; escaping them also neutralises <!channel>-style mentions and fake links. */
export function escapeSlack(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}

/** Escapes then bounds, never leaving half an HTML entity at the end. */
function mrkdwn(text: string, max: number): string {
  const escaped = escapeSlack(text);
  if (escaped.length <= max) return escaped;
  return truncate(escaped, max).replace(/&[a-z]{0,3}…$/u, '…');
}

/** Text for inline code spans: no backticks (they would close the span), no newlines. */
function codeSpan(text: string): string {
  return '`' + text.replace(/`/gu, "'").replace(/\s+/gu, ' ') + '`';
}

function section(title: string, body: string): SlackBlock {
  const header = `*${title}*\n`;
  return { type: 'section', text: { type: 'mrkdwn', text: header + mrkdwn(body, SlackSectionTextMax - header.length) } };
}

function bulletSection(title: string, lines: string[], empty: string): SlackBlock {
  const header = `*${title}*\n`;
  if (lines.length === 0) return { type: 'section', text: { type: 'mrkdwn', text: header + `_${empty}_` } };
  // Lines are already escaped; keep whole lines while they fit.
  let text = header;
  for (const line of lines) {
    const next = `• ${line}\n`;
    if (text.length + next.length > SlackSectionTextMax) break;
    text += next;
  }
  return { type: 'section', text: { type: 'mrkdwn', text: text.trimEnd() } };
}

function field(title: string, value: string): SlackTextObject {
  return { type: 'mrkdwn', text: `*${title}*\n${mrkdwn(value, SlackFieldTextMax - title.length - 4)}` };
}

export function buildSlackMessage(ev: NotificationEvent): SlackMessage {
  const summary = safeSummary(ev.summary, 1000);
  const reason = safeOperatorText(ev.reason, 500);
  const ask = safeOperatorText(ev.ask, 1000);
  const phase = safeIdent(ev.phase, 63);
  const tierName = safeIdent(ev.tierName, 80);
  const ref = targetRef(ev);
  const impact = describeImpact(ev.impact);
  const title = KindTitles[ev.kind];

  const text = mrkdwn(`[${ev.severity}] ${title} (tier ${ev.tier}, ${phase}) ${ref}: ${summary}`, SlackFallbackTextMax);

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${ev.severity} · ${title}: ${summary}`, SlackHeaderMax), emoji: true },
    },
    {
      type: 'section',
      fields: [
        field('Severity', `${SeverityIcons[ev.severity]} ${ev.severity} (${SeverityDescriptions[ev.severity]})`),
        field('Phase', phase),
        field('Target', ref),
        field('Escalation', `Tier ${ev.tier}: ${tierName}`),
      ],
    },
    section('Summary', summary),
    section('Why you are receiving this', reason),
    section('What is asked of you', ask),
    section('Impact', impact),
    bulletSection(
      'What was done',
      boundedActions(ev.actionsTaken).map((a) => mrkdwn(a, 300)),
      'no automated action taken yet',
    ),
    bulletSection(
      'Log signatures',
      boundedSignatures(ev.logSignatures).map((s) => `${codeSpan(escapeSlack(s.signature))} ×${s.count}`),
      'no log signatures collected',
    ),
    bulletSection(
      'Metrics',
      Object.entries(boundedMetrics(ev.metrics)).map(([k, v]) => `${mrkdwn(k, 64)}: ${mrkdwn(String(v), 200)}`),
      'no metrics collected',
    ),
  ];

  const links = safeLinks(ev.links).map((l) => `<${l.href.replace(/[|>]/gu, encodeURIComponent)}|${l.label}>`);
  blocks.push({ type: 'divider' });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: mrkdwn(`incident ${safeIdent(ev.namespace, 63)}/${safeIdent(ev.incidentName, 253)}`, 300) +
          (links.length > 0 ? ` · ${links.join(' · ')}` : ''),
      },
    ],
  });

  return { text, blocks };
}
