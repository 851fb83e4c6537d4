import { expect } from 'chai';
import {
  boundedActions,
  boundedMetrics,
  boundedSignatures,
  describeImpact,
  describeIncident,
  formatDuration,
  hasPhi,
  safeIdent,
  safeLink,
  safeOperatorText,
  safeText,
  truncate,
} from '../../../src/notify/format-common.js';

describe('notify/format-common', () => {
  const durations: [number, string][] = [
    [0, '0s'],
    [-5, '0s'],
    [Number.NaN, '0s'],
    [45, '45s'],
    [61, '1m 01s'],
    [3600, '1h 00m'],
    [3725, '1h 02m'],
    [90_000, '1d 01h'],
  ];
  for (const [seconds, expected] of durations) {
    it(`formatDuration(${seconds}) = ${expected}`, () => expect(formatDuration(seconds)).to.equal(expected));
  }

  const impacts: { name: string; impact: Parameters<typeof describeImpact>[0]; expected: string }[] = [
    { name: 'degraded', impact: { replicasAvailable: 1, replicasDesired: 4, openForSeconds: 30 }, expected: '1/4 replicas available (3 missing); open for 30s' },
    { name: 'healthy', impact: { replicasAvailable: 4, replicasDesired: 4, openForSeconds: 30 }, expected: '4/4 replicas available; open for 30s' },
    { name: 'only available', impact: { replicasAvailable: 0, openForSeconds: 60 }, expected: '0 replicas available; open for 1m 00s' },
    { name: 'no replica data', impact: { openForSeconds: 7200 }, expected: 'open for 2h 00m' },
  ];
  for (const c of impacts) {
    it(`describeImpact: ${c.name}`, () => expect(describeImpact(c.impact)).to.equal(c.expected));
  }

  const truncations: [string, number, string][] = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['this is too long', 8, 'this is…'],
    ['ab😀cd', 3, 'ab…'],
    ['abc', 0, ''],
  ];
  for (const [input, max, expected] of truncations) {
    it(`truncate(${JSON.stringify(input)}, ${max})`, () => expect(truncate(input, max)).to.equal(expected));
  }

  it('safeText redacts, bounds and tolerates non-strings', () => {
    expect(safeText('mail jane.patient@example.org now', 100)).to.not.include('jane.patient@example.org');
    expect(safeText('x '.repeat(50), 10).length).to.be.at.most(10);
    expect(safeText(undefined, 10)).to.equal('');
    expect(safeText('anything', 0)).to.equal('');
  });

  const phiCases: { text: string; expected: boolean }[] = [
    { text: 'patient-advocacy-api', expected: false },
    { text: 'api-outage-7x2k9', expected: false },
    { text: 'Acknowledge within 15 minutes', expected: false },
    { text: 'jane.patient@example.org', expected: true },
    { text: '078-05-1120', expected: true },
    { text: 'password=hunter2', expected: true },
    { text: '', expected: false },
  ];
  for (const c of phiCases) {
    it(`hasPhi(${JSON.stringify(c.text)}) = ${c.expected}`, () => expect(hasPhi(c.text)).to.equal(c.expected));
  }

  const identCases: { input: string; max: number; expected: string | RegExp }[] = [
    { input: 'api-outage-7x2k9', max: 63, expected: 'api-outage-7x2k9' },
    { input: '3f6c1f0e-8a4b-4c51-9a57-0b6d8a1e2f10', max: 64, expected: '3f6c1f0e-8a4b-4c51-9a57-0b6d8a1e2f10' },
    { input: 'line\nbreak\u0000here', max: 63, expected: 'line break here' },
    { input: 'n'.repeat(100), max: 10, expected: /^n{9}…$/u },
    { input: 'svc-078-05-1120', max: 63, expected: /^(?!.*078-05-1120)/u },
  ];
  for (const c of identCases) {
    it(`safeIdent keeps identifiers verbatim unless they carry PHI: ${JSON.stringify(c.input).slice(0, 30)}`, () => {
      const out = safeIdent(c.input, c.max);
      if (typeof c.expected === 'string') expect(out).to.equal(c.expected);
      else expect(out).to.match(c.expected);
    });
  }

  it('safeOperatorText keeps numbers in operator sentences but redacts PHI', () => {
    expect(safeOperatorText('Acknowledge within 15 minutes (tier 2)', 100)).to.equal('Acknowledge within 15 minutes (tier 2)');
    expect(safeOperatorText('Call 078-05-1120 back', 100)).to.not.include('078-05-1120');
    expect(safeOperatorText('Check MRN: 4455667 record', 100)).to.not.include('4455667');
  });

  it('spec.summary goes through the default-deny filter: names, addresses, ids and dates never pass', () => {
    const summary = 'API 5xx for patient Marisol Quixbury, 221B Baker Street, London NW1 6XE, born 04.07.1975, member XQZ123456789';
    const out = safeOperatorText(summary, 500);
    for (const leaked of ['Marisol', 'Quixbury', 'Baker', 'London', 'NW1', '1975', 'XQZ123456789']) expect(out, out).to.not.include(leaked);
    expect(out).to.match(/^API 5xx for patient <name>/u);
  });

  it('safeOperatorText keeps a sentence verbatim only when the filter changes nothing but short numbers', () => {
    expect(safeOperatorText('Rolled back to revision 6; 2/3 replicas available', 200)).to.equal('Rolled back to revision 6; 2/3 replicas available');
    expect(safeOperatorText('Escalated: born 1975, call Rose Baker', 200)).to.equal('Escalated: born <num>, call <name>');
  });

  it('describeIncident carries the redacted summary, never spec.description', () => {
    const ev = {
      incidentUid: 'u', incidentName: 'am-0f0f0f0f0f0f0f0f0f0f0f0f', namespace: 'ns', severity: 'P1' as const, phase: 'Escalated',
      summary: 'Checkout down for Marisol Quixbury', tier: 1, tierName: 'On-call', kind: 'opened' as const, reason: '', actionsTaken: [],
      impact: { openForSeconds: 60 }, logSignatures: [], metrics: {}, ask: '', occurredAt: '2026-11-27T03:00:00.000Z',
    };
    const text = describeIncident(ev);
    expect(text).to.include('Checkout down for <name>');
    expect(text).to.not.include('Quixbury');
  });

  it('boundedActions keeps the most recent steps and says how many were omitted', () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    const out = boundedActions(names.map((n) => `step ${n}`), 5);
    expect(out).to.deep.equal(['(4 earlier steps omitted)', 'step echo', 'step foxtrot', 'step golf', 'step hotel']);
  });

  it('boundedSignatures sorts by count, bounds and drops invalid counts to 0', () => {
    const out = boundedSignatures(
      [
        { signature: 'a', count: 1 },
        { signature: 'b', count: 10 },
        { signature: 'c', count: Number.NaN },
        { signature: '', count: 99 },
      ],
      2,
    );
    expect(out).to.deep.equal([
      { signature: 'b', count: 10 },
      { signature: 'a', count: 1 },
    ]);
  });

  it('boundedMetrics drops non-finite numbers and __proto__, sorts keys and bounds', () => {
    const metrics = JSON.parse('{"z": 1, "a": "x", "__proto__": 5, "inf": 0}') as Record<string, number | string>;
    metrics.inf = Number.POSITIVE_INFINITY;
    expect(boundedMetrics(metrics)).to.deep.equal({ a: 'x', z: 1 });
    expect(Object.keys(boundedMetrics({ a: 1, b: 2, c: 3 }, 2))).to.deep.equal(['a', 'b']);
  });

  const links: [string | undefined, string | undefined][] = [
    ['https://grafana.example.org/d/abc?var=1', 'https://grafana.example.org/d/abc?var=1'],
    ['https://grafana.example.org/d/api-overview?orgId=1&from=now-6h', 'https://grafana.example.org/d/api-overview?orgId=1&from=now-6h'],
    ['https://logs.example.org/search?q=jane.patient%40example.org', undefined],
    ['https://logs.example.org/search?q=jane.patient@example.org', undefined],
    ['https://logs.example.org/search?patient_id=42', undefined],
    ['https://logs.example.org/u/078-05-1120', undefined],
    ['https://logs.example.org/%E0%A4%A', undefined], // undecodable path
    ['http://internal.example/x', 'http://internal.example/x'],
    ['javascript:alert(1)', undefined],
    ['https://user:pass@example.org/', undefined],
    ['not a url', undefined],
    [undefined, undefined],
  ];
  for (const [input, expected] of links) {
    it(`safeLink(${String(input)})`, () => expect(safeLink(input)).to.equal(expected));
  }
});
