/**
 * Prints both sides of the default-deny redactor on the corpus (`npm run privacy:measure`):
 * - leaks: canary needles surviving any surface, over every canary x embedding x surface (must be 0);
 * - grouping: of the realistic error lines, how many keep their error class / code, how many group their two
 *   data-variants into one signature, and how many distinct errors keep distinct signatures.
 */
import { normaliseLogLine } from '../../../../src/redact/log-signatures.js';
import { Canaries, Categories, leakedNeedles, logEmbeddings, sqlEmbeddings } from './hipaa-canaries.js';
import { ErrorLines } from './error-lines.js';
import { logSurfaces, notificationSurfaces, sqlSurfaces } from './surfaces.js';

let checks = 0;
let leaks = 0;
const leakedBy = new Map<string, number>();
for (const canary of Canaries) {
  const outputs: Record<string, string>[] = [
    ...logEmbeddings(canary.value).map((l) => logSurfaces(l)),
    ...logEmbeddings(canary.value).slice(0, 4).map((l) => notificationSurfaces(l, { operatorFields: !/^\d{4}-\d{2}-\d{2}T/.test(canary.value) })),
    ...sqlEmbeddings(canary.value).map((s) => sqlSurfaces(s)),
  ];
  for (const surfaces of outputs) {
    for (const [surface, text] of Object.entries(surfaces)) {
      checks += 1;
      if (leakedNeedles(text, canary).length > 0) {
        leaks += 1;
        leakedBy.set(`${canary.category}/${surface}`, (leakedBy.get(`${canary.category}/${surface}`) ?? 0) + 1);
      }
    }
  }
}

const signatures = ErrorLines.map((row) => row.variants.map(normaliseLogLine) as [string, string]);
const kept = ErrorLines.filter((row, i) => row.keep.every((k) => signatures[i]![0].includes(k))).length;
const grouped = signatures.filter(([a, b]) => a === b).length;
const distinct = new Set(signatures.map(([a]) => a)).size;

console.log(`canaries: ${Canaries.length} values in ${Categories.length} HIPAA Safe Harbor categories`);
console.log(`leaks: ${leaks} of ${checks} canary x embedding x surface checks`);
for (const [k, n] of leakedBy) console.log(`  leak ${k}: ${n}`);
console.log(`error lines: ${ErrorLines.length} distinct real errors (Node, Java, Go, Python, PostgreSQL, nginx, ...)`);
console.log(`  keep their error class / code: ${kept}/${ErrorLines.length}`);
console.log(`  both data-variants in one signature: ${grouped}/${ErrorLines.length}`);
console.log(`  distinct errors -> distinct signatures: ${distinct}/${ErrorLines.length}`);
process.exitCode = leaks === 0 ? 0 : 1;
