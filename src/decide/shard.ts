/**
 * Sharding beyond one leader: namespaces are split between N operator shards by a stable hash of the
 * namespace name (FNV-1a, 32 bit), so every namespace belongs to exactly one shard, whichever instance
 * computes it. Each shard has its own Lease; a shard's replicas share it (one active, the rest standby).
 */

export interface ShardSpec {
  /** Number of shards (1: no sharding). */
  count: number;
  /** This instance's shard, 0 ≤ index < count. */
  index: number;
}

/** FNV-1a 32-bit hash of a string's UTF-8 bytes. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard that owns `namespace`. */
export function shardOf(namespace: string, count: number): number {
  return count <= 1 ? 0 : fnv1a32(namespace) % count;
}

/** Does this instance's shard own `namespace`? */
export function ownsNamespace(shard: ShardSpec | undefined, namespace: string): boolean {
  return !shard || shard.count <= 1 || shardOf(namespace, shard.count) === shard.index;
}

/** The Lease a shard's replicas share: `<base>` unsharded, `<base>-shard-<i>-of-<n>` otherwise. */
export function shardLeaseName(base: string, shard: ShardSpec | undefined): string {
  return !shard || shard.count <= 1 ? base : `${base}-shard-${shard.index}-of-${shard.count}`;
}
