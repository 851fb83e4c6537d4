import { expect } from 'chai';
import { containsCanary, DefaultMaxLength, Ellipsis, Placeholder, redactText, stripAnsi } from '../../../src/redact/phi.js';

/** Fake identifiers: if any of these survives redaction, PHI leaked. */
const SSN = '078-05-1120';
const MRN = 'MRN-00987123';
const EMAIL = 'jane.doe@example-hospital.org';
const PHONE = '(555) 867-5309';
const NAME = 'Jane Q Patient';
const PASSWORD = 'hunter2canary';

interface Case {
  name: string;
  input: string;
  expected: string;
}

/** Exact outputs: each row pins one rule (or one ordering between rules). */
const exact: Case[] = [
  { name: 'empty input', input: '', expected: '' },
  { name: 'plain text is untouched', input: 'connection pool exhausted', expected: 'connection pool exhausted' },
  { name: 'email', input: `lookup ${EMAIL} failed`, expected: 'lookup <email> failed' },
  { name: 'unicode email (non-English words are not in the vocabulary)', input: 'correo josé.núñez@hospital.es', expected: '<word> <email>' },
  { name: 'package@version is not an email', input: 'lodash@4.17.21 loaded', expected: 'lodash@<num> loaded' },
  { name: 'US phone, dashes', input: 'call 555-867-5309 now', expected: 'call <phone> now' },
  { name: 'US phone, parentheses', input: `call ${PHONE}`, expected: 'call <phone>' },
  { name: 'US phone, +1 and spaces', input: 'call +1 555 867 5309', expected: 'call <phone>' },
  { name: 'US phone, dots', input: 'fax 555.867.5309', expected: 'fax <phone>' },
  { name: 'UK phone', input: 'tel +44 20 7946 0958.', expected: 'tel <phone>.' },
  { name: 'E.164 phone', input: 'sms to +14155552671 failed', expected: 'sms to <phone> failed' },
  { name: 'SSN', input: `ssn ${SSN} rejected`, expected: 'ssn <ssn> rejected' },
  { name: 'full-width SSN (NFKC)', input: 'ssn ０７８－０５－１１２０', expected: 'ssn <ssn>' },
  { name: 'UUID', input: 'incident 123e4567-e89b-12d3-a456-426614174000 open', expected: 'incident <uuid> open' },
  { name: 'IPv4', input: 'from 10.0.0.5 denied', expected: 'from <ip> denied' },
  { name: 'IPv4 with port', input: 'connect ECONNREFUSED 10.0.0.5:5432', expected: 'connect ECONNREFUSED <ip>:<port>' },
  { name: 'bracketed IPv6 with port', input: 'dial [2001:db8::1]:8080', expected: 'dial <ip>:<port>' },
  { name: 'IPv6 loopback and zone', input: 'bind ::1 and fe80::1%eth0', expected: 'bind <ip> and <ip>' },
  { name: 'C++ scope is not IPv6', input: 'std::vector Foo::bar a::b', expected: 'std::vector <name>::bar a::b' },
  { name: 'invalid IPv4 is numbers', input: 'value 256.1.1.1', expected: 'value <num>' },
  { name: 'ISO timestamp', input: 'at 2024-01-15T10:20:30.123456Z done', expected: 'at <date> done' },
  { name: 'date with space time and offset', input: 'at 2024-01-15 10:20:30 +0100 done', expected: 'at <date> done' },
  { name: 'US date of birth', input: 'DOB 01/02/1980, admitted', expected: 'DOB <date>, admitted' },
  { name: 'European date', input: 'born 15.01.1980', expected: 'born <date>' },
  { name: 'month-name dates', input: 'seen Jan 15, 2024 and 15 Jan 2024', expected: 'seen <date> and <date>' },
  { name: 'time of day', input: 'retry at 10:20:30 PM', expected: 'retry at <date>' },
  { name: 'long hex hash', input: 'sha 9f86d081884c7d659a2feaa0c55ad015 bad', expected: 'sha <hex> bad' },
  { name: '0x address', input: 'pc=0x4a1b2c', expected: 'pc=<hex>' },
  { name: 'double-quoted value', input: `patient "${NAME}" missing`, expected: 'patient "<str>" missing' },
  { name: 'single-quoted value with apostrophe inside', input: "KeyError: 'O'Brien'", expected: "KeyError: '<str>'" },
  { name: 'apostrophes are not quotes', input: "can't read users' records", expected: "can't read users' records" },
  { name: 'smart quotes, backticks, guillemets', input: 'a “Bo” c ‘Di’ `Ed` «Fa»', expected: 'a “<str>” c ‘<str>’ `<str>` «<str>»' },
  { name: 'quoted plain identifiers and inert text stay', input: 'relation "patients" missing, KeyError: \'patient_id\', ValueError(\'no such patient\')', expected: 'relation "patients" missing, KeyError: \'patient_id\', ValueError(\'no such patient\')' },
  { name: 'escaped quotes', input: 'msg=\\"Jane\\" x', expected: 'msg=\\"<str>\\" x' },
  { name: 'unterminated quote hides the rest', input: `name "${NAME} and ${SSN}`, expected: 'name "<str>' },
  { name: 'MRN token', input: `record ${MRN} locked`, expected: 'record <id> locked' },
  { name: 'labelled MRN', input: 'MRN: 4455667 locked', expected: 'MRN: <id> locked' },
  { name: 'labelled patient id', input: 'patient_id=12345 and MR# 998877', expected: 'patient_id=<id> and MR# <id>' },
  { name: 'letters+digits id', input: 'member XK1234567 not found', expected: 'member <id> not found' },
  { name: 'password=', input: `password=${PASSWORD} rejected`, expected: 'password=<secret> rejected' },
  { name: 'quoted password with spaces', input: 'password: "hunter 2" x', expected: 'password: <secret> x' },
  { name: 'token / secret / api_key', input: 'token=abc.def secret=s1 api_key=k9', expected: 'token=<secret> secret=<secret> api_key=<secret>' },
  { name: 'JSON secret (the key is structure and stays)', input: '{"password":"x y"}', expected: '{"password":<secret>}' },
  { name: 'bearer header', input: 'Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig', expected: 'Authorization: <secret>' },
  { name: 'bare bearer', input: 'sent Bearer abc123.def', expected: 'sent Bearer <secret>' },
  { name: 'URL credentials and query', input: 'postgres://admin:s3cr3t@db.internal/app?sslmode=require', expected: '<url>' },
  { name: 'relative URL query', input: 'GET /patients?name=Jane&ssn=1 200', expected: 'GET <path>?<query> <num>' },
  { name: 'PII key=value', input: 'first_name=Jane dob=1980-01-02 (ssn=123)', expected: 'first_name=<pii> dob=<pii> (ssn=<pii>)' },
  { name: 'private key block', input: '-----BEGIN RSA PRIVATE KEY----- MIIE 12 -----END RSA PRIVATE KEY----- end', expected: '<secret> end' },
  { name: 'numbers, units, versions; HTTP status kept', input: 'status 500 took 3000ms retry 3 of 5 v1 k8s', expected: 'status 500 took <num>ms retry <num> of <num> v1 k8s' },
  { name: 'technical words kept', input: 'sha256 mismatch on x86_64', expected: 'sha256 mismatch on x86_64' },
  { name: 'ANSI colours stripped', input: '\u001b[31mERROR\u001b[0m \u001b]0;title\u0007boom', expected: 'ERROR boom' },
  { name: 'control chars and newlines collapse', input: 'a\tb\r\n\u0000c   d', expected: 'a b c d' },
  { name: 'zero-width chars cannot split an SSN', input: 'ssn 078\u200b-05-1120', expected: 'ssn <ssn>' },
  { name: 'emoji kept', input: 'deploy 😀 failed', expected: 'deploy 😀 failed' },
];

/** Containment checks for inputs where the exact shape matters less than what must (not) survive. */
const containment: { name: string; input: string; absent: string[]; present: string[] }[] = [
  {
    name: 'everything at once',
    input: `user ${EMAIL} ${PHONE} ssn ${SSN} ${MRN} "${NAME}" password=${PASSWORD}`,
    absent: [EMAIL, 'jane', PHONE, '867', SSN, '1120', '00987123', NAME, PASSWORD],
    present: ['<email>', '<phone>', '<ssn>', '<id>', '"<str>"', '<secret>'],
  },
  {
    name: 'Python traceback text',
    input: `File "/app/patients/${NAME}.py", line 42, in lookup\n raise KeyError('${MRN}')`,
    absent: [NAME, '00987123', '42'],
    present: ['"<str>"', "'<str>'", 'line <num>'],
  },
  {
    name: 'Java exception',
    input: `java.lang.IllegalStateException: no patient ${MRN} (${EMAIL}) at com.x.Svc.run(Svc.java:42)`,
    absent: ['00987123', EMAIL, ':42'],
    present: ['IllegalStateException', '<id>', '<email>', 'Svc.java:<num>'],
  },
  {
    name: 'Go panic',
    input: 'panic: runtime error: index out of range [5] with length 3 goroutine 1 [running]: main.main() /app/main.go:12 +0x1d',
    absent: ['[5]', '+0x1d'],
    present: ['panic: runtime error', '[<num>]', '+<hex>'],
  },
];

describe('redactText', () => {
  for (const c of exact) {
    it(c.name, () => {
      expect(redactText(c.input)).to.equal(c.expected);
    });
  }

  for (const c of containment) {
    it(`containment: ${c.name}`, () => {
      const out = redactText(c.input);
      expect(containsCanary(out, c.absent), out).to.deep.equal([]);
      for (const p of c.present) expect(out).to.include(p);
    });
  }

  it('is idempotent on every table input', () => {
    for (const c of [...exact, ...containment]) {
      const once = redactText(c.input);
      expect(redactText(once), c.name).to.equal(once);
    }
  });

  it('leaves no digit anywhere in the table outputs except inside technical words', () => {
    for (const c of [...exact, ...containment]) {
      const stripped = redactText(c.input).replace(/\b(?:v1|k8s|sha256|x86_64|IPv6)\b|status 500/g, '');
      expect(stripped, c.name).to.not.match(/\d/);
    }
  });

  it('uses only known placeholders', () => {
    const known = new Set<string>(Object.values(Placeholder));
    for (const c of [...exact, ...containment]) {
      for (const m of redactText(c.input).matchAll(/<[a-z]+>/g)) expect(known.has(m[0]), `${c.name}: ${m[0]}`).to.equal(true);
    }
  });
});

describe('redactText length bounds', () => {
  const vocabulary = ['connection', 'refused', 'timeout', 'while', 'loading', 'record', 'from', 'upstream', 'server', 'failed'];
  const words = (n: number): string => Array.from({ length: n }, (_, i) => vocabulary[i % 10]).join(' ');

  it(`defaults to ${DefaultMaxLength} characters, ending with an ellipsis`, () => {
    const out = redactText(words(200));
    expect(out.length).to.be.at.most(DefaultMaxLength);
    expect(out.length).to.be.greaterThan(DefaultMaxLength - 10);
    expect(out.endsWith(Ellipsis)).to.equal(true);
  });

  for (const maxLength of [1, 2, 10, 57]) {
    it(`honours maxLength ${maxLength}`, () => {
      const out = redactText(words(100), { maxLength });
      expect(out.length).to.be.at.most(maxLength);
      expect(out.endsWith(Ellipsis)).to.equal(true);
    });
  }

  it('maxLength 0 yields an empty string; invalid values fall back to the default', () => {
    expect(redactText('abc', { maxLength: 0 })).to.equal('');
    expect(redactText(words(200), { maxLength: Number.NaN }).length).to.equal(redactText(words(200)).length);
    expect(redactText(words(200), { maxLength: -5 }).length).to.equal(redactText(words(200)).length);
  });

  it('never splits a surrogate pair or a grapheme cluster when truncating', () => {
    const emoji = '👍🏽'; // two code points, four UTF-16 units, one grapheme
    for (let max = 2; max < 40; max += 1) {
      const out = redactText(`x${emoji.repeat(20)}`, { maxLength: max });
      expect(out.length, String(max)).to.be.at.most(max);
      expect(out, String(max)).to.not.match(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      expect(out.replace(Ellipsis, '').length % emoji.length, String(max)).to.equal(1); // "x" + whole emoji only
    }
  });

  it('replaces lone surrogates in the input', () => {
    expect(redactText('bad \ud800 pair')).to.equal('bad \ufffd pair');
  });

  it('a 200k-character line completes and is bounded', () => {
    const line = `ERROR ${'x'.repeat(100_000)} ${SSN} ${'a.'.repeat(50_000)}`;
    const out = redactText(line);
    expect(out.length).to.be.at.most(DefaultMaxLength);
    expect(out.startsWith('ERROR')).to.equal(true);
    expect(out).to.not.include(SSN);
  });

  it('drops a token cut by the scan window instead of leaking half of it', () => {
    // The quoted filler redacts to `"<str>"`, so text near the 4096-character scan window stays visible.
    const filler = `"${'x'.repeat(4040)}" `;
    let visible = 0;
    for (let shift = 0; shift < 60; shift += 1) {
      const out = redactText(`${filler}${'c'.repeat(shift)}${EMAIL} tail`);
      expect(containsCanary(out, ['jane', 'doe', 'example-hosp']), `${shift}: ${out}`).to.deep.equal([]);
      if (out.includes('<email>')) visible += 1;
    }
    expect(visible).to.be.greaterThan(0); // guards against a vacuous test: some emails were within the window
  });

  it('returns an empty string for non-string input', () => {
    expect(redactText(undefined as unknown as string)).to.equal('');
    expect(redactText(42 as unknown as string)).to.equal('');
  });
});

describe('stripAnsi', () => {
  const cases: [string, string][] = [
    ['\u001b[1;31mred\u001b[0m', 'red'],
    ['\u001b]0;title\u0007text', 'text'],
    ['\u009b2Jclear', 'clear'],
    ['plain', 'plain'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => expect(stripAnsi(input)).to.equal(expected));
  }
});

describe('containsCanary', () => {
  const cases: { text: string; canaries: string[]; expected: string[] }[] = [
    { text: 'nothing here', canaries: [SSN, EMAIL], expected: [] },
    { text: `leak ${SSN}`, canaries: [SSN, EMAIL], expected: [SSN] },
    { text: `LEAK ${EMAIL.toUpperCase()} ${SSN}`, canaries: [SSN, EMAIL], expected: [SSN, EMAIL] },
    { text: 'anything', canaries: [''], expected: [] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.text)} -> ${JSON.stringify(c.expected)}`, () => {
      expect(containsCanary(c.text, c.canaries)).to.deep.equal(c.expected);
    });
  }
});
