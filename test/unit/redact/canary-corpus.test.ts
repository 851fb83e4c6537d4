import { expect } from 'chai';
import { Canaries, Categories, leakedNeedles, logEmbeddings, sqlEmbeddings } from './corpus/hipaa-canaries.js';
import { logSurfaces, notificationSurfaces, sqlSurfaces } from './corpus/surfaces.js';

/** Embeddings also sent through the notification bodies (text, JSON, key=value, stack trace, quoted, encoded). */
const NotifiedEmbeddings = new Set([0, 3, 12, 18]);

/** Operator-written fields keep the operator's own ISO deadlines: such a canary is only planted in evidence fields. */
const isMachineTimestamp = (v: string): boolean => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(v);

/** Every canary, in every embedding, through every surface: `category/format/surface: leaked needles`. */
function leaks(): string[] {
  const out: string[] = [];
  for (const canary of Canaries) {
    const cases: [string, Record<string, string>][] = [
      ...logEmbeddings(canary.value).map((line, i): [string, Record<string, string>] => [
        `log#${i}`,
        NotifiedEmbeddings.has(i) ? { ...logSurfaces(line), ...notificationSurfaces(line, { operatorFields: !isMachineTimestamp(canary.value) }) } : logSurfaces(line),
      ]),
      ...sqlEmbeddings(canary.value).map((sql, i): [string, Record<string, string>] => [`sql#${i}`, sqlSurfaces(sql)]),
    ];
    for (const [embedding, surfaces] of cases) {
      for (const [surface, text] of Object.entries(surfaces)) {
        const found = leakedNeedles(text, canary);
        if (found.length > 0) out.push(`${canary.category}/${canary.format}/${embedding}/${surface}: ${found.join(', ')} in ${text.slice(0, 240)}`);
      }
    }
  }
  return out;
}

describe('redact: HIPAA Safe Harbor canary corpus', () => {
  it('covers all 18 categories, with at least two formats each', () => {
    expect(Categories).to.have.length(18);
    for (const category of Categories) {
      expect(Canaries.filter((c) => c.category === category).length, category).to.be.at.least(2);
    }
  });

  it('the embeddings really contain the canaries (guards against a vacuous corpus)', () => {
    for (const canary of Canaries) {
      const raw = logEmbeddings(canary.value).join('\n');
      expect(leakedNeedles(raw, canary), canary.format).to.not.deep.equal([]);
    }
  });

  it('no needle of any canary survives any surface, in any embedding', function () {
    this.timeout(60_000); // ~2,300 lines and SQL statements through every surface: a few seconds
    const found = leaks();
    expect(found, found.slice(0, 20).join('\n')).to.deep.equal([]);
  });
});
