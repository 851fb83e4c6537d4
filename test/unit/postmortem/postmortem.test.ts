import { expect } from 'chai';
import { main, type PluginDeps } from '../../../src/plugin/kubectl-incident.js';
import { postmortemHtml, timelineSvg } from '../../../src/postmortem/html.js';
import { postmortemMarkdown } from '../../../src/postmortem/markdown.js';
import { formatDuration, postmortemModel } from '../../../src/postmortem/model.js';
import { p1, PostmortemCanaries as c, t } from '../../harness/postmortem-fixture.js';


describe('postmortem: the draft of a resolved P1 incident', () => {
  const now = new Date(t(50));
  const model = postmortemModel(p1(), now);
  const md = postmortemMarkdown(model);
  const html = postmortemHtml(model);

  it('has every section, in order', () => {
    const headings = md.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
    expect(headings).to.deep.equal(['Summary', 'Impact', 'Timeline', 'Evidence', 'What was automated', 'What people did', 'Follow-ups']);
    for (const id of ['summary', 'impact', 'timeline', 'evidence', 'automated', 'people', 'follow-ups']) expect(html).to.include(`<section id="${id}">`);
  });

  it('impact and timeline carry the incident\'s real times and durations', () => {
    expect(md).to.include(`Duration: 42m 00s (opened ${t(0)}, resolved ${t(42)})`);
    expect(md).to.include('Time to acknowledge: 7m 30s.');
    expect(md).to.include(`Acknowledge deadline ${t(5)}: EXCEEDED.`);
    expect(md).to.include(`Response deadline ${t(60)}: met.`);
    expect(model.milestones.map((m) => `${m.label}@${m.time}`)).to.deep.equal([
      `Detected@${t(0)}`, `Diagnosed@${t(0, 20)}`, `Rollback intended@${t(0, 40)}`, `Rolled back@${t(1)}`, `Monitoring started@${t(1)}`, `Acknowledged@${t(7, 30)}`, `Resolved@${t(42)}`,
    ]);
    expect(md).to.include(`| ${t(1)} | Monitoring | RolledBack | rolled back checkout from revision 7 to revision 6 |`);
    expect(md).to.include('_3 older entries are only in the incident log._');
    expect(md).to.include(`**Due by ${new Date(Date.parse(t(42)) + 48 * 3600_000).toISOString()}**`);
  });

  it('evidence: signatures, rollout history, signal values, the proposal; what was automated and what people did', () => {
    expect(md).to.include('42 × Error: connect ECONNREFUSED');
    expect(md).to.include('Current revision: 7; last known good: 6 (Recorded).');
    expect(md).to.include('error-rate: 0.37 (breach when > 0.05) → Breaching');
    expect(md).to.include('Rollback (RolloutCrashLooping): roll back to revision 6');
    expect(md).to.include('Rollback: Succeeded (RolledBack)');
    expect(md).to.include('Notifications: 1 delivered, 1 failed.');
    expect(md).to.match(/- Acknowledged by .+ at 2026-11-27T03:07:30.000Z\./);
    expect(md).to.match(/- Resolved by .+ at 2026-11-27T03:42:00.000Z: fixed config for /);
  });

  it('follow-ups are a checklist: runbook, monitoring/alerting, action items', () => {
    const items = md.split('\n').filter((l) => l.startsWith('- [ ] '));
    expect(items[0]).to.include('Update the runbook (APIOutage)');
    expect(items[1]).to.include('Update monitoring and alerting');
    expect(items.some((i) => i.includes('acknowledge deadline missed'))).to.equal(true);
    expect(items.some((i) => i.includes('revision 7 broke'))).to.equal(true);
  });

  it('no PHI canary from what people wrote reaches the Markdown or the HTML', () => {
    for (const v of Object.values(c)) {
      expect(md, v).to.not.include(v);
      expect(html, v).to.not.include(v);
    }
  });

  it('the HTML is one self-contained page with the timeline as an inline SVG', () => {
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.not.match(/<script|<link|src=|href=/i);
    const svg = /<svg[^>]*>.*?<\/svg>/s.exec(html)?.[0] ?? '';
    expect([...svg.matchAll(/data-label="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(model.milestones.map((m) => m.label));
    expect(svg).to.include('+42m 00s');
  });

  it('HTML escapes text (an operator message cannot inject markup)', () => {
    const i = p1();
    i.status!.timeline![0]!.message = 'waiting for <b>ready</b> pods | <img src=x onerror=alert(1)>';
    const page = postmortemHtml(postmortemModel(i, now));
    expect(page).to.not.include('<img');
    const text = postmortemMarkdown(postmortemModel(i, now));
    expect(text).to.not.include('<img');
    expect(text).to.include('waiting for \\<b>ready\\</b> pods \\| \\<');
    expect(timelineSvg([])).to.include('No milestones recorded.');
  });

  it('P2/P3 have no due date; an open incident counts its duration to now', () => {
    const i = p1();
    i.spec.severity = 'P3';
    delete i.status!.resolvedAt;
    const m = postmortemModel(i, now);
    expect(m.dueAt).to.equal(undefined);
    expect(postmortemMarkdown(m)).to.include(`Open for: 50m 00s (opened ${t(0)}, not resolved yet)`);
    expect(formatDuration(3723)).to.equal('1h 02m 03s');
  });
});

describe('postmortem: kubectl incident postmortem', () => {
  const run = async (argv: string[], stdout = JSON.stringify(p1())) => {
    const out: string[] = [];
    const err: string[] = [];
    const calls: string[][] = [];
    const deps: PluginDeps = { kubectl: async (args) => { calls.push(args); return { code: 0, stdout, stderr: '' }; }, env: {}, now: () => new Date(t(50)), out: (s) => out.push(s), err: (s) => err.push(s) };
    const code = await main(argv, deps);
    return { code, out: out.join(''), err: err.join(''), calls };
  };

  it('prints the Markdown draft of the named Incident', async () => {
    const r = await run(['postmortem', 'checkout-5xx', '-n', 'shop']);
    expect(r.code).to.equal(0);
    expect(r.calls).to.deep.equal([['get', 'incidents.runbook.dev', 'checkout-5xx', '-o', 'json', '--namespace', 'shop']]);
    expect(r.out).to.match(/^# Post-mortem draft: checkout-5xx \(P1\)/);
  });

  it('--output html prints the page; other formats and other commands are usage errors', async () => {
    expect((await run(['postmortem', 'checkout-5xx', '--output', 'html'])).out).to.match(/^<!doctype html>/);
    expect((await run(['postmortem', 'checkout-5xx', '-o', 'pdf'])).code).to.equal(2);
    expect((await run(['timeline', 'checkout-5xx', '-o', 'html'])).code).to.equal(2);
  });

  it('postmortem-done NAME --link URL patches spec.postmortem (done, link, who, when); --link is required', async () => {
    const r = await run(['postmortem-done', 'checkout-5xx', '--link', 'https://wiki.example/pm-42', '--by', 'oncall-alice', '-n', 'shop']);
    expect(r.code, r.err).to.equal(0);
    expect(r.calls).to.deep.equal([['patch', 'incidents.runbook.dev', 'checkout-5xx', '--type', 'merge', '-p', JSON.stringify({ spec: { postmortem: { done: true, link: 'https://wiki.example/pm-42', doneBy: 'oncall-alice', doneAt: '2026-11-27T03:50:00Z' } } }), '--namespace', 'shop']]);
    expect(r.out).to.equal('incident checkout-5xx post-mortem marked done by oncall-alice at 2026-11-27T03:50:00Z\n');
    expect((await run(['postmortem-done', 'checkout-5xx', '--by', 'x'])).code).to.equal(2);
    expect((await run(['ack', 'checkout-5xx', '--link', 'https://x'])).code).to.equal(2);
  });

  it('something that is not an Incident is an error, not a crash', async () => {
    const r = await run(['postmortem', 'x'], '{"kind":"Pod"}');
    expect(r.code).to.equal(1);
    expect(r.err).to.include('not an Incident');
  });
});
