import { expect } from 'chai';
import { fingerprintSql } from '../../../src/redact/sql-fingerprint.js';

/** Canary values: if any of these ever shows up in a fingerprint, a literal leaked. */
const SSN = '078-05-1120';
const EMAIL = 'jane.patient@example.org';
const NAME = 'Jane Q Patient';
const CANARIES = [SSN, EMAIL, NAME, 'Jane', 'Patient', '078', '1120', 'example.org', 'secret-note'];

interface Case {
  name: string;
  sql: string;
  expected: string;
}

const cases: Case[] = [
  { name: 'plain string', sql: `SELECT * FROM patients WHERE ssn = '${SSN}'`, expected: 'SELECT * FROM patients WHERE ssn = ?' },
  { name: "string with '' escape", sql: `SELECT 'O''Brien ${NAME}', x`, expected: 'SELECT ?, x' },
  { name: 'E string with backslash-escaped quote', sql: `SELECT E'it\\'s ${EMAIL}' AS e`, expected: 'SELECT ? AS e' },
  { name: 'e string lowercase with \\\\ at the end', sql: `SELECT e'${SSN}\\\\', 1`, expected: 'SELECT ?, ?' },
  { name: 'standard string keeps backslash literal', sql: `SELECT '${NAME}\\', 'x'`, expected: 'SELECT ?, ?' },
  { name: 'dollar quote', sql: `SELECT $$${NAME} ' -- /* $$, 2`, expected: 'SELECT ?, ?' },
  { name: 'tagged dollar quote containing $$', sql: `DO $body$ BEGIN RAISE NOTICE $$${SSN}$$; END $body$`, expected: 'DO ?' },
  { name: 'integers and decimals', sql: 'SELECT 42, 3.14, .5, 7., 1e10, 2.5E-3', expected: 'SELECT ?, ?, ?, ?, ?, ?' },
  { name: 'hex, octal, binary and underscore numbers', sql: 'SELECT 0x1F, 0o17, 0b101, 1_000_000', expected: 'SELECT ?, ?, ?, ?' },
  { name: 'bit strings', sql: "SELECT B'1010', X'1F', b'0', x'ff'", expected: 'SELECT ?, ?, ?, ?' },
  { name: 'national and unicode strings', sql: `SELECT N'${NAME}', U&'d\\0061t\\+000061 ${SSN}'`, expected: 'SELECT ?, ?' },
  { name: 'unary minus folds into the constant', sql: 'SELECT * FROM t WHERE a = -5 AND b > -0.5', expected: 'SELECT * FROM t WHERE a = ? AND b > ?' },
  { name: 'binary minus stays an operator', sql: 'SELECT a-1, a - 2 FROM t', expected: 'SELECT a-?, a - ? FROM t' },
  { name: 'numbers inside identifiers are kept', sql: 'SELECT col_2, t1.x FROM t1', expected: 'SELECT col_2, t1.x FROM t1' },
  { name: 'positional parameters are kept', sql: 'SELECT * FROM t WHERE id = $1 AND name = $12', expected: 'SELECT * FROM t WHERE id = $1 AND name = $12' },
  { name: 'IN list collapses', sql: `SELECT 1 FROM t WHERE id IN (1, 2, 3) AND s NOT IN ('${SSN}','${EMAIL}')`, expected: 'SELECT ? FROM t WHERE id IN (?) AND s NOT IN (?)' },
  { name: 'IN list with negative numbers collapses', sql: 'SELECT 1 FROM t WHERE id in (-1, 2)', expected: 'SELECT ? FROM t WHERE id in (?)' },
  { name: 'IN subquery is kept', sql: 'SELECT 1 FROM t WHERE id IN (SELECT id FROM u)', expected: 'SELECT ? FROM t WHERE id IN (SELECT id FROM u)' },
  { name: 'IN with parameters is kept', sql: 'SELECT 1 FROM t WHERE id IN ($1, $2)', expected: 'SELECT ? FROM t WHERE id IN ($1, $2)' },
  { name: 'ARRAY literal collapses', sql: 'SELECT * FROM t WHERE id = ANY(ARRAY[1, 2, 3])', expected: 'SELECT * FROM t WHERE id = ANY(ARRAY[?])' },
  {
    name: 'VALUES tuples collapse',
    sql: `INSERT INTO p (name, ssn) VALUES ('${NAME}', '${SSN}'), ('Bob', '123-45-6789'),('x', now()) ON CONFLICT DO NOTHING`,
    expected: 'INSERT INTO p (name, ssn) VALUES (?, ?) ON CONFLICT DO NOTHING',
  },
  { name: 'line comment stripped', sql: `SELECT 1 -- ${NAME}\nFROM t`, expected: 'SELECT ? FROM t' },
  { name: 'nested block comment stripped', sql: `SELECT /* a /* ${SSN} */ still comment */ x FROM t`, expected: 'SELECT x FROM t' },
  { name: 'comment between tokens leaves a space', sql: 'SELECT a/*x*/FROM t', expected: 'SELECT a FROM t' },
  { name: 'sqlcommenter tag stripped', sql: `SELECT x FROM t /*traceparent='00-${SSN}',user='${EMAIL}'*/`, expected: 'SELECT x FROM t' },
  { name: 'quote inside a comment does not open a string', sql: "SELECT a -- it's\n, 'b'", expected: 'SELECT a , ?' },
  { name: 'comment marker inside a string is data', sql: `SELECT '-- ${NAME}', '/* ${SSN}'`, expected: 'SELECT ?, ?' },
  { name: 'whitespace collapses', sql: '  SELECT\n\t a ,\r\n  b\n\nFROM   t  ', expected: 'SELECT a , b FROM t' },
  { name: 'quoted identifiers: plain lowercase kept, others replaced', sql: 'SELECT "name", "Name", "we""ird" FROM "Persons" AS "Jane Roe"', expected: 'SELECT "name", "<ident>", "<ident>" FROM "<ident>" AS "<ident>"' },
  { name: 'typed literal and casts', sql: `SELECT DATE '2024-01-02', interval '5 minutes', '${SSN}'::text`, expected: 'SELECT DATE ?, interval ?, ?::text' },
  { name: 'pg_sleep with literals', sql: `SELECT pg_sleep(30), '${NAME}', '${SSN}'`, expected: 'SELECT pg_sleep(?), ?, ?' },
  { name: 'truncated inside a string', sql: `SELECT * FROM p WHERE name = '${NAME.slice(0, 6)}`, expected: 'SELECT * FROM p WHERE name = ?…' },
  { name: 'truncated inside an E string after an escaped quote', sql: `SELECT E'a\\' ${SSN}`, expected: 'SELECT ?…' },
  { name: 'truncated inside a dollar quote', sql: `SELECT $q$${EMAIL}`, expected: 'SELECT ?…' },
  { name: 'truncated inside a quoted identifier', sql: `SELECT "${NAME}`, expected: 'SELECT ?…' },
  { name: 'truncated inside an unterminated comment', sql: `SELECT x /* ${SSN}`, expected: 'SELECT x' },
  { name: 'truncated inside a later VALUES tuple', sql: `INSERT INTO p VALUES (1, 'a'), (2, '${NAME}`, expected: 'INSERT INTO p VALUES (?, ?) …' },
  { name: 'dollar inside identifier is not a quote', sql: 'SELECT a$b, $1 FROM t', expected: 'SELECT a$b, $1 FROM t' },
  { name: 'empty input', sql: '', expected: '' },
];

describe('fingerprintSql', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = fingerprintSql(c.sql);
      expect(out).to.equal(c.expected);
      for (const canary of CANARIES) expect(out).not.to.include(canary);
    });
  }

  it('never leaks a literal at any truncation point', () => {
    const SKELETON = 'INSERT INTO patients (name, ssn, email, note) VALUES';
    const sql =
      `${SKELETON} ('${NAME}', E'${SSN}\\n', $t$${EMAIL}$t$, ` +
      `'it''s secret-note') /* ${NAME} */ -- ${SSN}`;
    for (let cut = 0; cut <= sql.length; cut += 1) {
      const out = fingerprintSql(sql.slice(0, cut));
      for (const canary of CANARIES) {
        expect(out, `cut at ${cut}: ${out}`).not.to.include(canary);
      }
      // no 4-character fragment of a literal survives either (unless it is also part of the statement's skeleton)
      for (const literal of [NAME, SSN, EMAIL]) {
        for (let k = 0; k + 4 <= literal.length; k += 1) {
          const piece = literal.slice(k, k + 4);
          if (SKELETON.includes(piece)) continue;
          expect(out, `cut at ${cut} leaked ${piece}`).not.to.include(piece);
        }
      }
    }
  });

  const lengthCases: { maxLength: number; expected: string }[] = [
    { maxLength: 500, expected: 'SELECT a, b, c FROM t WHERE x = ?' },
    { maxLength: 10, expected: 'SELECT a,…' },
    { maxLength: 33, expected: 'SELECT a, b, c FROM t WHERE x = ?' },
    { maxLength: 32, expected: 'SELECT a, b, c FROM t WHERE x =…' },
  ];
  for (const c of lengthCases) {
    it(`caps the output at maxLength=${c.maxLength}`, () => {
      const out = fingerprintSql(`SELECT a, b, c FROM t WHERE x = '${SSN}'`, c.maxLength);
      expect(out).to.equal(c.expected);
      expect(out.length).to.be.at.most(c.maxLength);
    });
  }

  it('uses a default cap of 500 characters', () => {
    const sql = `SELECT ${Array.from({ length: 200 }, (_, i) => `col${i}`).join(', ')} FROM t`;
    const out = fingerprintSql(sql);
    expect(out.length).to.equal(500);
    expect(out.endsWith('…')).to.equal(true);
  });

  describe('standard_conforming_strings and data-carrying identifiers', () => {
    const cases: { name: string; sql: string; expected: string; absent: string[] }[] = [
      { name: 'backslash-escaped quote (scs off)', sql: "SELECT * FROM p WHERE n = 'O\\'Quillighan' AND x = 1", expected: 'SELECT * FROM p WHERE n = ? AND x = ?', absent: ['Quillighan'] },
      { name: 'trailing backslash (scs on)', sql: "SELECT 'C:\\' , 'Marisol Quixbury' FROM t", expected: 'SELECT ? , ? FROM t', absent: ['Marisol', 'Quixbury'] },
      { name: 'both readings close: the one keeping fewer words', sql: "SELECT 'a\\' || 'Marisol', 'b\\' FROM t", expected: 'SELECT ? || ?, ? FROM t', absent: ['Marisol'] },
      { name: "E'' string with escapes", sql: "SELECT E'it\\'s Marisol\\n', 2", expected: 'SELECT ?, ?', absent: ['Marisol'] },
      { name: 'dollar quoting with a tag', sql: 'SELECT $x$Marisol $$ Quixbury$x$, $$Rose Baker$$', expected: 'SELECT ?, ?', absent: ['Marisol', 'Quixbury', 'Rose', 'Baker'] },
      { name: 'alias carrying a name', sql: 'SELECT full_name AS "Jane Roe" FROM patients', expected: 'SELECT full_name AS "<ident>" FROM patients', absent: ['Jane', 'Roe'] },
      { name: 'plain lowercase quoted identifier stays', sql: 'SELECT "patient_id" FROM "patients"', expected: 'SELECT "patient_id" FROM "patients"', absent: [] },
      { name: 'U& identifier', sql: 'SELECT U&"d\\0061ta" FROM t', expected: 'SELECT "<ident>" FROM t', absent: ['0061'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const out = fingerprintSql(c.sql);
        expect(out).to.equal(c.expected);
        for (const a of c.absent) expect(out).to.not.include(a);
      });
    }
  });
});
