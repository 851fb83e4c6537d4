/**
 * Canaries for privacy tests: `CANARY-<random hex>` strings that cannot appear by chance. `found` reports a
 * canary (case-insensitive) or its random part in any text, so a redactor that keeps only the hex still fails.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';

/** The random part: 12 hex digits plus `e9` (never an English word, never a short number). */
const randomPart = (hex: string): string => `${hex}e9`;

export function canary(): string {
  return `CANARY-${randomPart(randomBytes(6).toString('hex'))}`;
}

/** fast-check arbitrary of canaries. */
export const canaryArb: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 12, maxLength: 12 })
  .map((hex) => `CANARY-${randomPart(hex)}`);

/** A canary as free text puts it: alone, inside a sentence, as a key=value, in a URL's userinfo, path and query. */
export const canaryTextArb: fc.Arbitrary<{ canary: string; text: string }> = fc
  .tuple(canaryArb, fc.constantFrom(
    (c: string) => c,
    (c: string) => `patient ${c} not found`,
    (c: string) => `token=${c}`,
    (c: string) => `https://user:${c}@hooks.example.org/x`,
    (c: string) => `http://127.0.0.1:9/${c}?key=${c}`,
    (c: string) => `{"error":"${c}"}`,
    (c: string) => c.toLowerCase(),
    (c: string) => Buffer.from(c).toString('base64'),
  ))
  .map(([c, f]) => ({ canary: c, text: f(c) }));

/** Every canary (or its random part, or its base64) found in `text`. */
export function found(text: string, canaries: readonly string[]): string[] {
  const hay = text.toLowerCase();
  return canaries.filter((c) => {
    const part = c.slice('CANARY-'.length).toLowerCase();
    return hay.includes(c.toLowerCase()) || hay.includes(part) || text.includes(Buffer.from(c).toString('base64'));
  });
}
