import { expect } from 'chai';
import { buildSlackMessage, escapeSlack, SlackHeaderMax, SlackSectionTextMax, type SlackMessage } from '../../../src/notify/slack.js';
import type { NotificationEvent } from '../../../src/notify/types.js';

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    incidentUid: '3f6c1f0e-8a4b-4c51-9a57-0b6d8a1e2f10',
    incidentName: 'api-outage-7x2k',
    namespace: 'patient-advocacy',
    severity: 'P0',
    phase: 'Mitigating',
    summary: 'API returning server errors for all clients',
    target: 'patient-advocacy-api',
    tier: 2,
    tierName: 'Engineering team lead',
    kind: 'escalated',
    reason: 'On-call engineer did not acknowledge in time',
    actionsTaken: ['Checked pod health, two of five ready', 'Rolled back to the last known good revision'],
    impact: { replicasAvailable: 2, replicasDesired: 5, openForSeconds: 1263 },
    logSignatures: [
      { signature: 'connection refused to postgres-service', count: 12 },
      { signature: 'upstream request timeout', count: 431 },
    ],
    metrics: { error_rate_5xx: 0.42, db_pool_state: 'exhausted' },
    ask: 'Acknowledge within 15 minutes, then decide whether to fail over the database',
    links: { incident: 'https://ops.example.org/incidents/api-outage-7x2k', runbook: 'javascript:alert(1)' },
    occurredAt: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

function allText(msg: SlackMessage): string {
  const parts: string[] = [msg.text];
  for (const b of msg.blocks) {
    if (b.type === 'header') parts.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) parts.push(b.text.text);
      for (const f of b.fields ?? []) parts.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) parts.push(e.text);
  }
  return parts.join('\n');
}

/** Text Slack interprets as mrkdwn (mentions, links): the fallback text and every mrkdwn object. */
function mrkdwnText(msg: SlackMessage): string {
  const parts: string[] = [msg.text];
  for (const b of msg.blocks) {
    if (b.type === 'section') for (const t of [...(b.text ? [b.text] : []), ...(b.fields ?? [])]) if (t.type === 'mrkdwn') parts.push(t.text);
    if (b.type === 'context') for (const e of b.elements) if (e.type === 'mrkdwn') parts.push(e.text);
  }
  return parts.join('\n');
}

function sectionText(msg: SlackMessage, title: string): string {
  for (const b of msg.blocks) {
    if (b.type === 'section' && b.text?.text.startsWith(`*${title}*`)) return b.text.text;
  }
  throw new Error(`no section ${title}`);
}

describe('notify/slack buildSlackMessage', () => {
  const contentCases: { field: string; section?: string; expected: string }[] = [
    { field: 'severity', expected: 'P0 (critical' },
    { field: 'phase', expected: '*Phase*\nMitigating' },
    { field: 'target', expected: 'patient-advocacy/patient-advocacy-api' },
    { field: 'tier', expected: 'Tier 2: Engineering team lead' },
    { field: 'description (summary)', section: 'Summary', expected: 'API returning server errors for all clients' },
    { field: 'reason', section: 'Why you are receiving this', expected: 'did not acknowledge in time' },
    { field: 'ask (operator text keeps its numbers)', section: 'What is asked of you', expected: 'Acknowledge within 15 minutes, then decide' },
    { field: 'impact', section: 'Impact', expected: '2/5 replicas available (3 missing); open for 21m 03s' },
    { field: 'steps attempted', section: 'What was done', expected: '• Rolled back to the last known good revision' },
    { field: 'logs', section: 'Log signatures', expected: '`upstream request timeout` ×431' },
    { field: 'metrics', section: 'Metrics', expected: 'error_rate_5xx: 0.42' },
    { field: 'metrics (string)', section: 'Metrics', expected: 'db_pool_state: exhausted' },
  ];
  for (const c of contentCases) {
    it(`contains the ${c.field}`, () => {
      const msg = buildSlackMessage(event());
      const haystack = c.section ? sectionText(msg, c.section) : allText(msg);
      expect(haystack).to.include(c.expected);
    });
  }

  it('puts severity, kind and target in the fallback text', () => {
    const msg = buildSlackMessage(event());
    expect(msg.text).to.match(/^\[P0\] Incident escalated \(tier 2, Mitigating\) patient-advocacy\/patient-advocacy-api: API returning/u);
  });

  it('orders log signatures by count', () => {
    const logs = sectionText(buildSlackMessage(event()), 'Log signatures');
    expect(logs.indexOf('upstream request timeout')).to.be.lessThan(logs.indexOf('connection refused'));
  });

  const emptyCases: { section: string; overrides: Partial<NotificationEvent>; expected: string }[] = [
    { section: 'What was done', overrides: { actionsTaken: [] }, expected: '_no automated action taken yet_' },
    { section: 'Log signatures', overrides: { logSignatures: [] }, expected: '_no log signatures collected_' },
    { section: 'Metrics', overrides: { metrics: {} }, expected: '_no metrics collected_' },
  ];
  for (const c of emptyCases) {
    it(`says so when ${c.section} is empty`, () => {
      expect(sectionText(buildSlackMessage(event(c.overrides)), c.section)).to.include(c.expected);
    });
  }

  it('escapes Slack control characters (no mentions, no injected links)', () => {
    const msg = buildSlackMessage(event({ summary: 'ping <!channel> & <https://evil.example|click>' }));
    const text = mrkdwnText(msg);
    expect(text).to.include('ping'); // the summary is present in mrkdwn text...
    expect(text).to.not.include('<!channel>'); // ...but cannot mention or link
    const header = msg.blocks[0];
    expect(header?.type === 'header' && header.text.type).to.equal('plain_text'); // plain_text never renders mentions
    expect(text).to.not.include('<https://evil.example|click>');
    expect(sectionText(msg, 'Summary')).to.include('&lt;!channel&gt; &amp; &lt;&lt;url&gt;&gt;'); // the link itself is redacted (default-deny)
  });

  it('keeps only http(s) links and renders them as Slack links', () => {
    const text = allText(buildSlackMessage(event()));
    expect(text).to.include('<https://ops.example.org/incidents/api-outage-7x2k|Incident>');
    expect(text).to.not.include('javascript:');
  });

  it('bounds header and section sizes for huge input', () => {
    const msg = buildSlackMessage(
      event({ summary: 'word '.repeat(5000), actionsTaken: Array.from({ length: 500 }, () => 'a long step description '.repeat(20)) }),
    );
    for (const b of msg.blocks) {
      if (b.type === 'header') expect(b.text.text.length).to.be.at.most(SlackHeaderMax);
      if (b.type === 'section' && b.text) expect(b.text.text.length).to.be.at.most(SlackSectionTextMax);
    }
    expect(sectionText(msg, 'What was done')).to.include('earlier steps omitted');
    expect(msg.blocks.length).to.be.at.most(50);
  });

  it('escapeSlack escapes &, < and >', () => {
    expect(escapeSlack('a < b && c > d')).to.equal('a &lt; b &amp;&amp; c &gt; d');
  });
});
