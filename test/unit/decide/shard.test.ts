import { expect } from 'chai';
import fc from 'fast-check';
import { fnv1a32, ownsNamespace, shardLeaseName, shardOf } from '../../../src/decide/shard.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('decide/shard', () => {
  it('FNV-1a 32 matches the reference values', () => {
    expect(fnv1a32('')).to.equal(0x811c9dc5);
    expect(fnv1a32('a')).to.equal(0xe40c292c);
    expect(fnv1a32('foobar')).to.equal(0xbf9cf968);
  });

  it('property: every namespace belongs to exactly one shard, whatever the count', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 63 }), fc.integer({ min: 1, max: 16 }), (ns, count) => {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) => ownsNamespace({ count, index }, ns));
      expect(owners).to.deep.equal([shardOf(ns, count)]);
    }));
  });

  it('spreads namespaces over the shards', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`team-${i}`, 4)]! += 1;
    for (const c of counts) expect(c).to.be.within(800, 1200);
  });

  it('one shard (or none) handles everything, with the unsharded Lease', () => {
    expect(ownsNamespace(undefined, 'x')).to.equal(true);
    expect(ownsNamespace({ count: 1, index: 0 }, 'x')).to.equal(true);
    expect(shardLeaseName('incident-operator', undefined)).to.equal('incident-operator');
    expect(shardLeaseName('incident-operator', { count: 2, index: 1 })).to.equal('incident-operator-shard-1-of-2');
  });

  it('configuration: SHARD_COUNT / SHARD_INDEX, the index below the count', () => {
    expect(loadConfig({}).shard).to.equal(undefined);
    expect(loadConfig({ SHARD_COUNT: '3', SHARD_INDEX: '2' }).shard).to.deep.equal({ count: 3, index: 2 });
    expect(() => loadConfig({ SHARD_COUNT: '2', SHARD_INDEX: '2' })).to.throw(ConfigError, /SHARD_INDEX/);
  });
});
