import { expect } from 'chai';
import {
  extractErrorSignatures,
  isErrorLine,
  MaxNormalisedLength,
  normaliseLogLine,
  summariseSignatures,
  type LogSignatureReport,
} from '../../../src/redact/log-signatures.js';
import { containsCanary } from '../../../src/redact/phi.js';

// ------------------------------------------------------------------------------------ fixture builders

/** A line as kubelet stores it (CRI log format). */
const cri = (line: string, stream: 'stdout' | 'stderr' = 'stderr'): string => `2026-11-27T03:00:00.123456789Z ${stream} F ${line}`;
const json = (fields: Record<string, unknown>): string => JSON.stringify(fields);
const times = (n: number, line: string): string[] => Array.from({ length: n }, () => line);

const javaTrace = (message: string): string[] => [
  `Exception in thread "main" java.lang.IllegalStateException: ${message}`,
  '\tat com.example.api.PatientService.load(PatientService.java:42)',
  '\tat com.example.api.Main.main(Main.java:10)',
  'Caused by: java.sql.SQLException: Connection refused',
  '\tat org.postgresql.Driver.connect(Driver.java:285)',
  '\t... 2 more',
];
const logbackTrace = (): string[] => [
  '2026-11-27 03:00:01.123 ERROR 1 --- [main] c.e.PatientService : Failed to load record',
  'java.lang.NullPointerException: null',
  '\tat com.example.PatientService.run(PatientService.java:77)',
];
const nodeTrace = (): string[] => [
  'Error: connect ECONNREFUSED 10.0.0.7:5432',
  '    at TCPConnectWrap.afterConnectMultiple [as oncomplete] (node:net:1636:16)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
];
const pythonTrace = (withLoggerLine: boolean): string[] => [
  ...(withLoggerLine ? ['ERROR:root:Unhandled exception while handling request'] : []),
  'Traceback (most recent call last):',
  '  File "/app/main.py", line 10, in <module>',
  '    lookup(patient)',
  '  File "/app/db.py", line 42, in lookup',
  '    raise ValueError("no such patient")',
  'ValueError: no such patient',
];
const goPanic = (): string[] => [
  'panic: runtime error: invalid memory address or nil pointer dereference',
  '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]',
  '',
  'goroutine 1 [running]:',
  'main.lookup(0xc000012345, 0x2)',
  '\t/app/main.go:25 +0x1d',
  'main.main()',
  '\t/app/main.go:12 +0x25',
  'exit status 2',
];

// ------------------------------------------------------------------------------------------ isErrorLine

describe('isErrorLine', () => {
  const cases: [string, boolean][] = [
    ['ERROR connect ECONNREFUSED 10.0.0.7:5432', true],
    ['FATAL: password authentication failed', true],
    ['panic: runtime error: index out of range', true],
    ['java.lang.NullPointerException', true],
    ['TypeError: cannot read properties of undefined', true],
    ['[error] upstream timed out', true],
    ['E1127 03:00:00.123456       1 reflector.go:138] failed to list *v1.Pod', true],
    ['F1127 03:00:00.123456       1 main.go:12] cannot start', true],
    [json({ level: 'error', msg: 'db down' }), true],
    [json({ level: 'FATAL', message: 'bye' }), true],
    [json({ level: 50, msg: 'pino error' }), true],
    [json({ severity: 'CRITICAL', message: 'gcp' }), true],
    [json({ msg: 'no level but an error field', error: 'boom' }), true],
    ['time=2026-11-27T03:00:00Z level=error msg="payment failed"', true],
    [cri('ERROR from a CRI file'), true],
    ['\u001b[31m[ERROR]\u001b[0m coloured', true],
    ['INFO started in 3.2s', false],
    ['2026-11-27 03:00:00 INFO retrying after error', false],
    ['WARN disk at 91%', false],
    [json({ level: 'info', msg: 'request failed with error', error: 'x' }), false],
    [json({ level: 30, msg: 'error in msg but info level' }), false],
    ['level=info msg="retrying after error"', false],
    ['errors=0 error_count=0 ErrorHandler ready', false],
    ['nonfatal condition; panicked=false', false],
    ['ERR_TIMEOUT_SETTING applied', false],
    ['', false],
  ];
  for (const [line, expected] of cases) {
    it(`${expected ? 'error' : 'not error'}: ${JSON.stringify(line).slice(0, 80)}`, () => {
      expect(isErrorLine(line)).to.equal(expected);
    });
  }
});

// ------------------------------------------------------------------------------------- normaliseLogLine

describe('normaliseLogLine', () => {
  const cases: [string, string][] = [
    ['ERROR connect ECONNREFUSED 10.0.0.7:5432', 'ERROR connect ECONNREFUSED <ip>:<port>'],
    [cri('ERROR connect ECONNREFUSED 10.0.0.7:5432'), 'ERROR connect ECONNREFUSED <ip>:<port>'],
    ['2026-11-27T03:00:00.123Z ERROR cannot connect', 'ERROR cannot connect'],
    ['[2026-11-27 03:00:00,123] [error] cannot connect', 'ERROR cannot connect'],
    ['2026/11/27 03:00:00 FATAL: cannot connect', 'FATAL cannot connect'],
    ['Nov 27 03:00:00 ERROR | cannot connect', 'ERROR cannot connect'],
    ['ERROR:root:cannot connect', 'ERROR cannot connect'],
    ['E1127 03:00:00.123456       1 reflector.go:138] list failed', 'ERROR list failed'],
    ['Error: connect ECONNREFUSED ::1:5432', 'Error: connect ECONNREFUSED <ip>'],
    [json({ level: 'error', msg: 'db down', patient: 'Jane', ssn: '078-05-1120' }), 'ERROR db down'],
    [json({ level: 50, msg: 'boom', err: { type: 'Error', message: 'no row 42', stack: 'Error: x\n at y' } }), 'ERROR boom: no row <num>'],
    [json({ severity: 'ERROR', message: 'upload failed', error: 'EACCES' }), 'ERROR upload failed: EACCES'],
    [json({ log: { level: 'error' }, message: 'ecs style' }), 'ERROR ecs style'],
    [json({ level: 'error', user: 'jane@example.org' }), 'ERROR'],
    ['level=error msg="payment failed for \\"Jane\\"" user=jane@example.org', 'ERROR payment failed for "<str>"'],
    ['{"not": "closed"', '{"not": "closed"'], // structure and vocabulary words stay
    ['{"unterminated": "Jane Q', '{"unterminated": "<str>'],
    ['  \t ERROR   spaced\t\tout  ', 'ERROR spaced out'],
    ['plain message 42', 'plain message <num>'],
    ['', ''],
  ];
  for (const [line, expected] of cases) {
    it(JSON.stringify(line).slice(0, 90), () => {
      expect(normaliseLogLine(line)).to.equal(expected);
    });
  }

  it(`bounds the result to ${MaxNormalisedLength} characters, also for a 200k-character line`, () => {
    for (const line of [`ERROR ${'word '.repeat(40_000)}`, 'x'.repeat(200_000), json({ level: 'error', msg: 'a '.repeat(100_000) })]) {
      const out = normaliseLogLine(line);
      expect(out.length).to.be.at.most(MaxNormalisedLength);
      expect(out.length).to.be.greaterThan(0);
    }
  });
});

// ------------------------------------------------------------------------------- extractErrorSignatures

describe('extractErrorSignatures', () => {
  const traces: { name: string; lines: string[]; errorLines: number; signatures: [string, number][] }[] = [
    { name: 'empty input', lines: [], errorLines: 0, signatures: [] },
    { name: 'no errors', lines: ['INFO a', 'INFO b'], errorLines: 0, signatures: [] },
    {
      name: 'Java stack trace with Caused by and "... n more"',
      lines: javaTrace('boom'),
      errorLines: 1,
      signatures: [['Exception in thread "main" java.lang.IllegalStateException: boom', 1]],
    },
    { name: 'logback: exception class line attaches', lines: logbackTrace(), errorLines: 1, signatures: [['ERROR <num> --- [main] c.e.PatientService : Failed to load record', 1]] },
    { name: 'Node error with frames', lines: [...nodeTrace(), ...nodeTrace()], errorLines: 2, signatures: [['Error: connect ECONNREFUSED <ip>:<port>', 2]] },
    { name: 'Python traceback after a logger line', lines: pythonTrace(true), errorLines: 1, signatures: [['ERROR Unhandled exception while handling request', 1]] },
    { name: 'bare Python traceback: the final line is the error', lines: pythonTrace(false), errorLines: 1, signatures: [['ValueError: no such patient', 1]] },
    {
      name: 'chained Python tracebacks',
      lines: [...pythonTrace(false), '', 'During handling of the above exception, another exception occurred:', '', ...pythonTrace(false).map((l) => l.replace('ValueError', 'RuntimeError'))],
      errorLines: 1,
      signatures: [['ValueError: no such patient', 1]],
    },
    { name: 'Go panic with goroutine dump', lines: goPanic(), errorLines: 1, signatures: [['panic: runtime error: invalid memory address or nil pointer dereference', 1]] },
    { name: 'CRI-prefixed Node trace keeps indentation', lines: nodeTrace().map((l) => cri(l)), errorLines: 1, signatures: [['Error: connect ECONNREFUSED <ip>:<port>', 1]] },
    { name: 'orphan frames are not errors', lines: ['    at Object.<anonymous> (/app/x.js:1:1)', 'goroutine 7 [select]:', 'main.worker()'], errorLines: 0, signatures: [] },
    { name: 'a normal line closes the block', lines: ['ERROR a', 'INFO ok', '   ERROR indented but separate'], errorLines: 2, signatures: [['ERROR a', 1], ['ERROR indented but separate', 1]] },
    {
      name: 'JSON logs',
      lines: [json({ level: 'error', msg: 'db down' }), json({ level: 'info', msg: 'ok' }), json({ level: 'error', msg: 'db down', id: 1 })],
      errorLines: 2,
      signatures: [['ERROR db down', 2]],
    },
    { name: 'non-ASCII and emoji', lines: ['ERROR Zahlung für Kundin fehlgeschlagen 💥', 'ERROR 支払いに失敗しました 💥'], errorLines: 2, signatures: [['ERROR <name> <word> <name> <word> 💥', 1], ['ERROR <word> 💥', 1]] }, // the vocabulary is English: other words are placeholders
    { name: 'ANSI colours', lines: ['\u001b[31mERROR\u001b[0m \u001b[1mdb down\u001b[0m', 'ERROR db down'], errorLines: 2, signatures: [['ERROR db down', 2]] },
  ];
  for (const c of traces) {
    it(c.name, () => {
      const report = extractErrorSignatures(c.lines);
      expect(report.linesScanned).to.equal(c.lines.length);
      expect(report.errorLines).to.equal(c.errorLines);
      expect(report.signatures.map((s) => [s.signature, s.count])).to.deep.equal(c.signatures);
    });
  }

  it('sorts by count, then by first occurrence, and records the first index', () => {
    const lines = ['ERROR a', 'ERROR b', 'ERROR c', 'ERROR b', 'ERROR c', 'ERROR c', 'ERROR d', 'ERROR b'];
    const report = extractErrorSignatures(lines);
    expect(report.signatures).to.deep.equal([
      { signature: 'ERROR b', count: 3, firstSeenIndex: 1 },
      { signature: 'ERROR c', count: 3, firstSeenIndex: 2 },
      { signature: 'ERROR a', count: 1, firstSeenIndex: 0 },
      { signature: 'ERROR d', count: 1, firstSeenIndex: 6 },
    ]);
  });

  it('groups lines that differ only in redacted values', () => {
    const lines = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip, i) => cri(`ERROR connect ECONNREFUSED ${ip}:${5432 + i}`));
    expect(extractErrorSignatures(lines).signatures).to.deep.equal([{ signature: 'ERROR connect ECONNREFUSED <ip>:<port>', count: 3, firstSeenIndex: 0 }]);
  });

  const distinct = (n: number): string[] => Array.from({ length: n }, (_, i) => `ERROR failure ${String.fromCharCode(97 + i)}`);
  const limits: { name: string; lines: string[]; opts?: { maxSignatures?: number }; kept: number; truncated: boolean }[] = [
    { name: 'default keeps 10 of 12', lines: distinct(12), kept: 10, truncated: true },
    { name: 'exactly 10 is not truncated', lines: distinct(10), kept: 10, truncated: false },
    { name: 'maxSignatures 3', lines: distinct(5), opts: { maxSignatures: 3 }, kept: 3, truncated: true },
    { name: 'maxSignatures 0', lines: distinct(2), opts: { maxSignatures: 0 }, kept: 0, truncated: true },
    { name: 'invalid maxSignatures falls back to 10', lines: distinct(11), opts: { maxSignatures: Number.NaN }, kept: 10, truncated: true },
  ];
  for (const c of limits) {
    it(`signature limit: ${c.name}`, () => {
      const report = extractErrorSignatures(c.lines, c.opts);
      expect(report.signatures).to.have.length(c.kept);
      expect(report.truncated).to.equal(c.truncated);
      expect(report.errorLines).to.equal(c.lines.length);
    });
  }

  const excerpts: { name: string; maxExcerptLines?: number; expected: string[] }[] = [
    { name: 'default: the 5 most recent, oldest first', expected: ['d', 'e', 'f', 'g', 'h'] },
    { name: 'maxExcerptLines 2', maxExcerptLines: 2, expected: ['g', 'h'] },
    { name: 'hard cap 5', maxExcerptLines: 50, expected: ['d', 'e', 'f', 'g', 'h'] },
    { name: 'maxExcerptLines 0', maxExcerptLines: 0, expected: [] },
  ];
  for (const c of excerpts) {
    it(`excerpt: ${c.name}`, () => {
      const lines = [...'abcdefgh'].flatMap((x) => [`ERROR step ${x} failed for 10.1.2.3`, '    at frame (x.js:1:2)', 'INFO between']);
      const report = extractErrorSignatures(lines, { maxExcerptLines: c.maxExcerptLines });
      expect(report.excerpt).to.deep.equal(c.expected.map((x) => `ERROR step ${x} failed for <ip>`));
    });
  }

  it('handles 200k-character lines, keeping every string bounded', () => {
    const huge = `ERROR ${'lorem ipsum '.repeat(17_000)}`;
    const report = extractErrorSignatures([huge, `    at ${'x'.repeat(200_000)}`, 'x'.repeat(200_000), huge]);
    expect(report.errorLines).to.equal(2);
    expect(report.signatures).to.have.length(1);
    for (const s of [...report.signatures.map((x) => x.signature), ...report.excerpt]) expect(s.length).to.be.at.most(MaxNormalisedLength);
  });

  it('ignores non-string entries but counts them as scanned', () => {
    const report = extractErrorSignatures(['ERROR a', undefined as unknown as string, 42 as unknown as string]);
    expect([report.linesScanned, report.errorLines]).to.deep.equal([3, 1]);
  });
});

// ---------------------------------------------------------------------------------- summariseSignatures

describe('summariseSignatures', () => {
  const report = (sigs: [string, number][]): LogSignatureReport => ({
    linesScanned: 100,
    errorLines: sigs.reduce((n, [, c]) => n + c, 0),
    signatures: sigs.map(([signature, count], firstSeenIndex) => ({ signature, count, firstSeenIndex })),
    excerpt: [],
    truncated: false,
  });
  const cases: { name: string; sigs: [string, number][]; max?: number; expected: string }[] = [
    { name: 'none', sigs: [], expected: '' },
    { name: 'one', sigs: [['ECONNREFUSED <ip>:<port>', 96]], expected: "'ECONNREFUSED <ip>:<port>' x96" },
    { name: 'two (default max)', sigs: [['ECONNREFUSED <ip>:<port>', 96], ['FATAL cannot connect', 3]], expected: "'ECONNREFUSED <ip>:<port>' x96; 'FATAL cannot connect' x3" },
    { name: 'more than max', sigs: [['a', 5], ['b', 4], ['c', 3], ['d', 1]], expected: "'a' x5; 'b' x4; +2 more" },
    { name: 'max 1', sigs: [['a', 5], ['b', 4]], max: 1, expected: "'a' x5; +1 more" },
    { name: 'max 0', sigs: [['a', 5]], max: 0, expected: '+1 more' },
    { name: 'hand-built report is redacted again', sigs: [['user jane@example.org ssn 078-05-1120', 2]], expected: "'user <email> ssn <ssn>' x2" },
  ];
  for (const c of cases) {
    it(c.name, () => expect(summariseSignatures(report(c.sigs), c.max)).to.equal(c.expected));
  }

  it('summarises a real report', () => {
    const lines = [...times(3, 'FATAL: cannot connect'), ...times(5, cri('ERROR connect ECONNREFUSED 10.0.0.7:5432'))];
    expect(summariseSignatures(extractErrorSignatures(lines))).to.equal("'ERROR connect ECONNREFUSED <ip>:<port>' x5; 'FATAL cannot connect' x3");
  });
});

// ----------------------------------------------------------------------------------------------- canary

describe('log signatures PHI canary', () => {
  const SSN = '078-05-1120';
  const MRN = 'MRN-00987123';
  const EMAIL = 'jane.doe@example-hospital.org';
  const PHONE = '(555) 867-5309';
  const NAME = '"Jane Q Patient"';
  const PASSWORD = 'password=hunter2canary';
  const canaries = [SSN, MRN, EMAIL, PHONE, NAME, 'Jane Q Patient', 'hunter2canary', 'hunter2', '00987123', '078', '1120', '555', '867', '5309', 'jane.doe', 'example-hospital'];

  const lines = [
    cri('INFO service starting'),
    `ERROR lookup failed ssn=${SSN} mrn=${MRN}`,
    `ERROR patient ${NAME} email ${EMAIL} phone ${PHONE}`,
    `ERROR db login ${PASSWORD}`,
    cri(`FATAL: cannot load ${MRN} for ${NAME} (${SSN})`),
    json({ level: 'error', msg: `no record for ${EMAIL}`, patient: NAME, ssn: SSN, phone: PHONE }),
    `time=2026-11-27T03:00:00Z level=error msg="retry for ${SSN}" ${PASSWORD}`,
    ...javaTrace(`patient ${NAME} ${MRN} ${SSN}`),
    `Error: ${EMAIL} ${PHONE}`,
    `    at lookup (/app/${SSN}.js:1:1)`,
    'INFO next request',
    ...pythonTrace(false).map((l) => l.replace('no such patient', `no such patient ${MRN} ${EMAIL}`)),
    `panic: ${PASSWORD} ${SSN}`,
    'goroutine 1 [running]:',
  ];

  it('the fixture really contains the canaries (guards against a vacuous test)', () => {
    expect(containsCanary(JSON.stringify(lines), [SSN, MRN, EMAIL, PHONE, 'Jane Q Patient', 'hunter2canary'])).to.have.length(6);
  });

  it('no canary (nor its digit runs) appears anywhere in the report or its summary', () => {
    const report = extractErrorSignatures(lines);
    const serialised = JSON.stringify(report) + summariseSignatures(report, 10);
    expect(containsCanary(serialised, canaries), serialised).to.deep.equal([]);
    expect(report.errorLines).to.equal(10);
    for (const placeholder of ['<ssn>', '<id>', '<email>', '<phone>', '<str>', '<secret>', '<pii>']) expect(serialised).to.include(placeholder);
  });
});
