import { expect } from 'chai';
import { extractErrorSignatures, normaliseLogLine } from '../../../src/redact/log-signatures.js';
import { ErrorLines } from './corpus/error-lines.js';

describe('redact: signatures stay useful (table of realistic error lines)', () => {
  it('has at least 40 rows from Node, Java, Go, Python, PostgreSQL and nginx', () => {
    expect(ErrorLines.length).to.be.at.least(40);
    for (const source of ['node', 'java', 'go', 'python', 'postgres', 'nginx'] as const) {
      expect(ErrorLines.filter((l) => l.source === source).length, source).to.be.at.least(4);
    }
  });

  for (const [i, row] of ErrorLines.entries()) {
    it(`#${i} ${row.source}: keeps ${row.keep.join(' | ')} and groups both variants`, () => {
      const [a, b] = row.variants.map(normaliseLogLine);
      for (const k of row.keep) expect(a, `${k} in ${a}`).to.include(k);
      expect(b, 'the two variants group into one signature').to.equal(a);
      // As separate error lines (a level in front, so no line reads as the stack trace of the one before).
      const lines = [...row.variants, ...row.variants].map((v) => `2026-11-27T03:00:00.000Z stderr F ERROR ${v}`);
      const grouped = extractErrorSignatures(lines).signatures.map((s) => s.count);
      expect(grouped).to.deep.equal([4]);
    });
  }

  it('distinct errors keep distinct signatures', () => {
    const signatures = ErrorLines.map((row) => normaliseLogLine(row.variants[0]));
    const distinct = new Set(signatures);
    expect(distinct.size, signatures.join('\n')).to.equal(ErrorLines.length);
  });
});
