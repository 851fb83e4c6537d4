import { expect } from 'chai';
import {
  alertsToIncidentIntents,
  incidentNameFor,
  isDns1123Label,
  mapSeverity,
  parseAlertmanagerPayload,
  type AlertmanagerPayload,
  type FiringIncidentIntent,
} from '../../../src/intake/alertmanager.js';
import type { Severity } from '../../../src/notify/types.js';

type Json = Record<string, unknown>;

function alert(overrides: Json = {}): Json {
  return {
    status: 'firing',
    labels: { alertname: 'ApiHigh5xx', namespace: 'patient-advocacy', severity: 'critical', deployment: 'patient-advocacy-api', runbook: 'api-service-outage' },
    annotations: { summary: 'API error ratio above threshold' },
    startsAt: '2024-05-01T11:58:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph?g0.expr=x',
    fingerprint: '1a2b3c4d5e6f7a8b',
    ...overrides,
  };
}

function payload(overrides: Json = {}, alerts: Json[] = [alert()]): Json {
  return {
    version: '4',
    groupKey: '{}:{alertname="ApiHigh5xx"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'incident-operator',
    groupLabels: { alertname: 'ApiHigh5xx' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...overrides,
  };
}

function parsed(body: Json): AlertmanagerPayload {
  const r = parseAlertmanagerPayload(body);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const withoutKey = (obj: Json, key: string): Json => {
  const copy = { ...obj };
  delete copy[key];
  return copy;
};

describe('intake/alertmanager parseAlertmanagerPayload', () => {
  it('accepts a valid version 4 payload', () => {
    const r = parseAlertmanagerPayload(payload());
    expect(r.ok).to.equal(true);
    expect(r.ok && r.value.alerts[0]?.labels.deployment).to.equal('patient-advocacy-api');
  });

  it('defaults optional top-level fields', () => {
    const minimal = { version: '4', groupKey: 'g', status: 'firing', alerts: [withoutKey(withoutKey(withoutKey(alert(), 'annotations'), 'fingerprint'), 'generatorURL')] };
    const v = parsed(minimal);
    expect(v).to.include({ truncatedAlerts: 0, receiver: '', externalURL: '' });
    expect(v.alerts[0]).to.include({ fingerprint: '', generatorURL: '' });
    expect(v.alerts[0]?.annotations).to.deep.equal({});
  });

  const malformed: { name: string; body: unknown; reason: string }[] = [
    { name: 'not an object', body: [], reason: 'body: must be a JSON object' },
    { name: 'null', body: null, reason: 'body: must be a JSON object' },
    { name: 'missing version', body: withoutKey(payload(), 'version'), reason: 'version: required' },
    { name: 'wrong version', body: payload({ version: 4 }), reason: 'version: must be "4"' },
    { name: 'missing groupKey', body: withoutKey(payload(), 'groupKey'), reason: 'groupKey: required' },
    { name: 'bad status', body: payload({ status: 'pending' }), reason: 'status: must be "firing" or "resolved"' },
    { name: 'missing alerts', body: withoutKey(payload(), 'alerts'), reason: 'alerts: required' },
    { name: 'alerts not an array', body: payload({ alerts: {} }), reason: 'alerts: must be an array' },
    { name: 'bad truncatedAlerts', body: payload({ truncatedAlerts: -1 }), reason: 'truncatedAlerts: must be a non-negative integer' },
    { name: 'bad commonLabels', body: payload({ commonLabels: 'x' }), reason: 'commonLabels: must be an object' },
    { name: 'alert not an object', body: payload({}, [alert(), 'x' as unknown as Json]), reason: 'alerts[1]: must be an object' },
    { name: 'missing labels', body: payload({}, [withoutKey(alert(), 'labels')]), reason: 'alerts[0].labels: required' },
    { name: 'label not a string', body: payload({}, [alert({ labels: { severity: 3 } })]), reason: 'alerts[0].labels.severity: must be a string' },
    { name: 'empty label name', body: payload({}, [alert({ labels: { '': 'x' } })]), reason: 'alerts[0].labels: invalid name' },
    { name: 'odd label name is not echoed', body: payload({}, [alert({ labels: { 'a"b': 1 } })]), reason: 'alerts[0].labels: values must be strings' },
    { name: 'annotation not a string', body: payload({}, [alert(), alert({ annotations: { summary: null } })]), reason: 'alerts[1].annotations.summary: must be a string' },
    { name: 'missing alert status', body: payload({}, [withoutKey(alert(), 'status')]), reason: 'alerts[0].status: required' },
    { name: 'missing startsAt', body: payload({}, [withoutKey(alert(), 'startsAt')]), reason: 'alerts[0].startsAt: required' },
    { name: 'bad startsAt', body: payload({}, [alert({ startsAt: 'yesterday' })]), reason: 'alerts[0].startsAt: must be an RFC 3339 timestamp' },
    { name: 'resolved without endsAt', body: payload({}, [alert({ status: 'resolved', endsAt: '' })]), reason: 'alerts[0].endsAt: must be an RFC 3339 timestamp for a resolved alert' },
    { name: 'non-hex fingerprint', body: payload({}, [alert({ fingerprint: '../../etc' })]), reason: 'alerts[0].fingerprint: must be hexadecimal' },
    { name: 'too many alerts', body: payload({}, Array.from({ length: 1001 }, () => alert())), reason: 'alerts: at most 1000 alerts' },
  ];
  for (const c of malformed) {
    it(`rejects ${c.name}`, () => {
      expect(parseAlertmanagerPayload(c.body)).to.deep.equal({ ok: false, reason: c.reason });
    });
  }
});

describe('intake/alertmanager mapSeverity', () => {
  const cases: [string | undefined, Severity][] = [
    ['critical', 'P0'],
    ['CRITICAL', 'P0'],
    ['error', 'P1'],
    ['high', 'P1'],
    ['warning', 'P2'],
    ['info', 'P3'],
    ['P0', 'P0'],
    ['p1', 'P1'],
    ['P2', 'P2'],
    ['P3', 'P3'],
    ['page', 'P2'],
    [undefined, 'P2'],
  ];
  for (const [label, expected] of cases) {
    it(`${String(label)} -> ${expected} (default P2)`, () => expect(mapSeverity(label, 'P2')).to.equal(expected));
  }
});

describe('intake/alertmanager alertsToIncidentIntents', () => {
  const opts = { defaultSeverity: 'P2' as Severity };

  it('maps a firing alert to an incident intent', () => {
    const [intent] = alertsToIncidentIntents(parsed(payload()), opts);
    expect(intent).to.deep.equal({
      resolved: false,
      name: incidentNameFor('1a2b3c4d5e6f7a8b', 'ApiHigh5xx'),
      namespace: 'patient-advocacy',
      severity: 'P0',
      target: 'patient-advocacy-api',
      summary: 'API error ratio above threshold',
      runbook: 'api-service-outage',
      dedupKey: '1a2b3c4d5e6f7a8b',
      startsAt: '2024-05-01T11:58:00.000Z',
    });
    expect(intent?.name).to.match(/^am-[0-9a-f]{24}$/u);
  });

  it('maps a resolved alert to the same name with endsAt', () => {
    const firing = alertsToIncidentIntents(parsed(payload()), opts)[0];
    const resolved = alertsToIncidentIntents(parsed(payload({ status: 'resolved' }, [alert({ status: 'resolved', endsAt: '2024-05-01T12:30:00Z' })])), opts)[0];
    expect(resolved).to.deep.equal({ resolved: true, name: firing?.name, namespace: 'patient-advocacy', endsAt: '2024-05-01T12:30:00.000Z', dedupKey: '1a2b3c4d5e6f7a8b' });
  });

  it('is deterministic and distinguishes alerts by fingerprint', () => {
    const a = alertsToIncidentIntents(parsed(payload()), opts)[0]?.name;
    const b = alertsToIncidentIntents(parsed(payload()), opts)[0]?.name;
    const c = alertsToIncidentIntents(parsed(payload({}, [alert({ fingerprint: 'ffff0000ffff0000' })])), opts)[0]?.name;
    expect(a).to.equal(b);
    expect(a).to.not.equal(c);
  });

  const nameCases: { name: string; alertname: string | undefined }[] = [
    { name: 'very long alertname', alertname: 'X'.repeat(300) },
    { name: 'punctuation only', alertname: '!!!___' },
    { name: 'unicode', alertname: 'Überlast_Datenbank' },
    { name: 'none', alertname: undefined },
  ];
  for (const c of nameCases) {
    it(`produces a DNS-1123 label of <= 63 chars (${c.name})`, () => {
      const n = incidentNameFor('00ff', c.alertname);
      expect(n.length).to.be.at.most(63);
      expect(isDns1123Label(n), n).to.equal(true);
    });
  }

  it('falls back to a hash of groupKey and labels when the fingerprint is missing', () => {
    const noFp = withoutKey(alert(), 'fingerprint');
    const x = alertsToIncidentIntents(parsed(payload({}, [noFp])), opts)[0];
    const y = alertsToIncidentIntents(parsed(payload({}, [{ ...noFp, labels: { alertname: 'ApiHigh5xx', namespace: 'patient-advocacy', pod: 'p2' } }])), opts)[0];
    expect(x?.dedupKey).to.match(/^[0-9a-f]{16}$/u);
    expect(x?.dedupKey).to.not.equal(y?.dedupKey);
  });

  const fieldCases: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; check: (i: FiringIncidentIntent) => void }[] = [
    { name: 'unknown severity uses the default', labels: { namespace: 'ns', severity: 'meh' }, check: (i) => expect(i.severity).to.equal('P2') },
    { name: 'invalid deployment is dropped', labels: { namespace: 'ns', deployment: 'Bad_Name' }, check: (i) => expect(i).to.not.have.property('target') },
    { name: 'invalid runbook is dropped', labels: { namespace: 'ns', runbook: 'https://wiki/x' }, check: (i) => expect(i).to.not.have.property('runbook') },
    { name: 'summary falls back to description', labels: { namespace: 'ns' }, annotations: { description: 'db slow' }, check: (i) => expect(i.summary).to.equal('db slow') },
    { name: 'summary falls back to alertname', labels: { namespace: 'ns', alertname: 'DbSlow' }, annotations: {}, check: (i) => expect(i.summary).to.equal('DbSlow') },
    { name: 'summary is bounded to 120', labels: { namespace: 'ns' }, annotations: { summary: 'long '.repeat(100) }, check: (i) => expect(i.summary.length).to.be.at.most(120) },
  ];
  for (const c of fieldCases) {
    it(c.name, () => {
      const overrides: Json = {};
      if (c.labels) overrides.labels = c.labels;
      if (c.annotations) overrides.annotations = c.annotations;
      const [i] = alertsToIncidentIntents(parsed(payload({}, [alert(overrides)])), opts);
      expect(i?.resolved).to.equal(false);
      c.check(i as FiringIncidentIntent);
    });
  }

  it('redacts PHI in the summary', () => {
    const [i] = alertsToIncidentIntents(parsed(payload({}, [alert({ annotations: { summary: 'lookup failed for 078-05-1120 jane.patient@example.org' } })])), opts);
    expect(i?.resolved === false && i.summary).to.be.a('string').and.to.include('lookup failed for');
    expect(JSON.stringify(i)).to.not.include('078-05-1120').and.to.not.include('jane.patient@example.org');
  });

  const namespaceCases: { name: string; ns: string | undefined; defaultNamespace?: string; expected: string[] }[] = [
    { name: 'label namespace', ns: 'team-a', expected: ['team-a'] },
    { name: 'missing namespace is skipped', ns: undefined, expected: [] },
    { name: 'invalid namespace is skipped', ns: 'Team_A', expected: [] },
    { name: 'missing namespace uses the default', ns: undefined, defaultNamespace: 'ops', expected: ['ops'] },
  ];
  for (const c of namespaceCases) {
    it(c.name, () => {
      const labels: Record<string, string> = { alertname: 'X' };
      if (c.ns !== undefined) labels.namespace = c.ns;
      const intents = alertsToIncidentIntents(parsed(payload({}, [alert({ labels })])), {
        ...opts,
        ...(c.defaultNamespace ? { defaultNamespace: c.defaultNamespace } : {}),
      });
      expect(intents.map((i) => i.namespace)).to.deep.equal(c.expected);
    });
  }

  it('keeps one intent per alert in a mixed payload and drops repeats', () => {
    const intents = alertsToIncidentIntents(
      parsed(payload({}, [alert(), alert(), alert({ fingerprint: 'beef', status: 'resolved', endsAt: '2024-05-01T12:00:00Z' })])),
      opts,
    );
    expect(intents.map((i) => i.resolved)).to.deep.equal([false, true]);
  });
});
