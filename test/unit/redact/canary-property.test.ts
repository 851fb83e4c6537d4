import { expect } from 'chai';
import fc from 'fast-check';
import { extractErrorSignatures, normaliseLogLine } from '../../../src/redact/log-signatures.js';
import { redactOperatorText, redactText } from '../../../src/redact/phi.js';
import { fingerprintSql } from '../../../src/redact/sql-fingerprint.js';
import { scrubSecrets } from '../../../src/log.js';
import { Canaries, leakedNeedles, type Canary } from './corpus/hipaa-canaries.js';

/** Words real error lines are made of, in the cases they appear in. */
const Filler = [
  'ERROR', 'error', 'Error:', 'FATAL', 'failed', 'to', 'load', 'patient', 'record', 'for', 'user', 'while', 'connect',
  'ECONNREFUSED', '10.0.0.7:5432', 'timeout', 'after', '3000ms', 'Cannot', 'read', 'id=', 'name=', 'msg=', 'at',
  'PatientService.load', '(SQLSTATE 57014)', 'status=503', '"', "'", ':', '-', '[main]', '{', '}', 'null', 'the', 'of',
];

const wrappers: ((v: string) => string)[] = [
  (v) => v,
  (v) => v.toLowerCase(),
  (v) => v.toUpperCase(),
  (v) => `"${v}"`,
  (v) => `'${v}'`,
  (v) => `name=${v.replace(/\s+/g, '_')}`,
  (v) => encodeURIComponent(v),
  (v) => `/api/patients/${encodeURIComponent(v)}`,
  (v) => Buffer.from(v).toString('base64'),
  (v) => `(${v})`,
  (v) => `patient: ${v};`,
];

const lineArb = fc.record({
  canary: fc.constantFrom(...Canaries),
  before: fc.array(fc.constantFrom(...Filler), { maxLength: 8 }),
  after: fc.array(fc.constantFrom(...Filler), { maxLength: 8 }),
  wrap: fc.nat(wrappers.length - 1),
  format: fc.constantFrom('text', 'json', 'logfmt', 'cri', 'stack'),
});

function render(l: { canary: Canary; before: string[]; after: string[]; wrap: number; format: string }): string {
  const body = [...l.before, (wrappers[l.wrap] ?? String)(l.canary.value), ...l.after].join(' ');
  switch (l.format) {
    case 'json':
      return JSON.stringify({ level: 'error', msg: body, detail: l.canary.value });
    case 'logfmt':
      return `level=error msg="${body.replace(/["\\]/g, '\\$&')}" value=${l.canary.value.replace(/\s+/g, '_')}`;
    case 'cri':
      return `2026-11-27T03:00:00.123456789Z stderr F ${body}`;
    case 'stack':
      return `java.lang.IllegalStateException: ${body}`;
    default:
      return body;
  }
}

const sqlArb = fc.record({
  canary: fc.constantFrom(...Canaries),
  shape: fc.nat(6),
  prefix: fc.constantFrom('SELECT * FROM patients WHERE', 'UPDATE patients SET note =', 'DELETE FROM visits WHERE'),
});

function sql(l: { canary: Canary; shape: number; prefix: string }): string {
  const v = l.canary.value;
  const q = v.replace(/'/g, "''");
  const shapes = [
    `${l.prefix} a = '${q}'`,
    `${l.prefix} a = E'${v.replace(/[\\']/g, '\\$&')}'`,
    `${l.prefix} a = $q$${v}$q$`,
    `${l.prefix} a = 'x\\' AND b = '${q}'`, // standard_conforming_strings=off reading differs
    `SELECT a AS "${v.replace(/"/g, '""')}" FROM t`,
    `${l.prefix} a = 1 /* ${v} */`,
    `${l.prefix} a = '${q}`, // truncated at track_activity_query_size
  ];
  return shapes[l.shape % shapes.length] ?? shapes[0]!;
}

describe('redact: property tests with canaries at random positions', () => {
  it('no canary survives redactText, signatures or operator text, whatever the position, case, format or encoding', () => {
    fc.assert(
      fc.property(lineArb, (l) => {
        const line = render(l);
        const outputs = [redactText(line), normaliseLogLine(line), redactOperatorText(line), JSON.stringify(extractErrorSignatures([line, line]))];
        for (const out of outputs) expect(leakedNeedles(out, l.canary), `${line}\n-> ${out}`).to.deep.equal([]);
      }),
      { numRuns: 400, seed: 1127 },
    );
  });

  it('no canary survives an SQL fingerprint (literals, E-strings, dollar quotes, backslash escapes, aliases, comments, truncation)', () => {
    fc.assert(
      fc.property(sqlArb, (l) => {
        const text = sql(l);
        const out = fingerprintSql(text);
        expect(leakedNeedles(out, l.canary), `${text}\n-> ${out}`).to.deep.equal([]);
      }),
      { numRuns: 400, seed: 1127 },
    );
  });

  it('no secret survives the operator log scrubber, in any of its forms', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{6,12}[@:/#?%]?[A-Za-z0-9]{6,12}$/).map((s) => `CANARY${s}`);
    const forms: ((s: string) => string)[] = [
      (s) => `Authorization: Bearer ${s}`,
      (s) => `authorization: Basic ${Buffer.from(`u:${s}`).toString('base64')}`,
      (s) => `Authorization: Token ${s}`,
      (s) => `PGPASSWORD=${s} psql`,
      (s) => `postgres://app:${s}@db:5432/app`,
      (s) => `password="${s}"`,
      (s) => `{"token":"${s}"}`,
      (s) => `routing_key=${s}`,
      (s) => `https://hooks.slack.com/services/T000/B000/${s}`,
      (s) => `https://events.pagerduty.com/v2/enqueue?key=${s}`,
    ];
    fc.assert(
      fc.property(secret, fc.nat(forms.length - 1), fc.constantFrom('', 'sending ', 'ERROR request failed: '), (s, f, prefix) => {
        const text = `${prefix}${(forms[f] ?? String)(s)} done`;
        const out = scrubSecrets(text);
        const b64 = Buffer.from(`u:${s}`).toString('base64');
        expect(out, text).to.not.include(s);
        expect(out, text).to.not.include(b64);
      }),
      { numRuns: 300, seed: 1127 },
    );
  });
});
