import { expect } from 'chai';
import {
  parseQuantity,
  podTemplatesEqualIgnoringHash,
  semanticEqual,
  templateWithoutHash,
  toJsonValue,
} from '../../../src/decide/template-equality.js';
import { deepFreeze } from './rollback-fixtures.js';

describe('decide/template-equality', () => {
  describe('parseQuantity compares exactly', () => {
    const equal: [string | number, string | number][] = [
      ['1', '1000m'],
      ['0.5', '500m'],
      ['1Gi', '1024Mi'],
      ['1k', '1000'],
      ['1e3', '1k'],
      ['1E', '1e18'],
      ['.5', '0.5'],
      [2, '2000m'],
    ];
    const ratio = (q: string | number) => {
      const r = parseQuantity(q);
      if (r === undefined) throw new Error(`unparsed ${q}`);
      return r;
    };
    for (const [a, b] of equal) {
      it(`${a} == ${b}`, () => {
        const x = ratio(a);
        const y = ratio(b);
        expect(x.num * y.den).to.equal(y.num * x.den);
      });
    }
    for (const bad of ['abc', '1.2.3', '1Qi', '']) {
      it(`'${bad}' is not a quantity`, () => expect(parseQuantity(bad)).to.equal(undefined));
    }
  });

  describe('semanticEqual', () => {
    const cases: { name: string; a: unknown; b: unknown; want: boolean }[] = [
      { name: 'key order', a: { x: 1, y: { p: 'a', q: 'b' } }, b: { y: { q: 'b', p: 'a' }, x: 1 }, want: true },
      { name: 'missing vs empty map', a: { labels: {} }, b: {}, want: true },
      { name: 'missing vs empty list', a: { env: [] }, b: { env: undefined }, want: true },
      { name: 'null vs missing', a: { t: null }, b: {}, want: true },
      { name: 'Date vs same-instant string', a: { t: new Date('2024-01-01T00:00:00Z') }, b: { t: '2024-01-01T00:00:00Z' }, want: true },
      { name: 'Date vs other instant', a: { t: new Date('2024-01-01T00:00:00Z') }, b: { t: '2024-01-01T00:00:01Z' }, want: false },
      { name: 'array order', a: [1, 2], b: [2, 1], want: false },
      { name: 'number vs string', a: { port: 8080 }, b: { port: '8080' }, want: false },
      { name: 'zero is not missing', a: { n: 0 }, b: {}, want: false },
      { name: 'quantity under requests', a: { requests: { cpu: '0.1' } }, b: { requests: { cpu: '100m' } }, want: true },
      { name: 'quantity sizeLimit', a: { emptyDir: { sizeLimit: '1Gi' } }, b: { emptyDir: { sizeLimit: '1073741824' } }, want: true },
      { name: 'quantity-looking string elsewhere', a: { value: '1' }, b: { value: '1000m' }, want: false },
    ];
    for (const c of cases) {
      it(`${c.name} -> ${c.want}`, () => expect(semanticEqual(c.a, c.b)).to.equal(c.want));
    }
  });

  it('podTemplatesEqualIgnoringHash ignores only pod-template-hash', () => {
    const t = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'a' }] } });
    expect(podTemplatesEqualIgnoringHash(t({ app: 'x', 'pod-template-hash': 'a' }), t({ app: 'x' }))).to.equal(true);
    expect(podTemplatesEqualIgnoringHash(t({ app: 'x', 'pod-template-hash': 'a' }), t({ app: 'y' }))).to.equal(false);
  });

  it('templateWithoutHash copies without touching a frozen input', () => {
    const input = deepFreeze({ metadata: { labels: { app: 'x', 'pod-template-hash': 'h' } }, spec: { containers: [{ name: 'a', x: undefined }] } });
    const out = templateWithoutHash(input);
    expect(out).to.deep.equal({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a' }] } });
    expect(input.metadata.labels['pod-template-hash']).to.equal('h');
  });

  it('toJsonValue drops undefined and functions, converts Dates', () => {
    expect(toJsonValue({ a: undefined, b: () => 1, c: new Date('2024-01-01T00:00:00.250Z'), d: [undefined, NaN] })).to.deep.equal({
      c: '2024-01-01T00:00:00.250Z',
      d: [null, null],
    });
  });
});
