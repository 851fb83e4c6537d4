/**
 * /metrics under METRICS_AUTH=kubernetes, with fake reviews (the real API server's answers are checked in
 * test/integration/security/metrics-auth.test.ts): who gets 200/401/403/503, what is cached and for how long,
 * that an API server that cannot answer never opens the door, and that the cache keys never hold the token.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import http from 'node:http';
import { bearerToken, kubernetesMetricsAuthorizer, type KubernetesReviews, type ReviewedUser } from '../../../src/server/metrics-auth.js';
import { closeListeners, startListeners } from '../../../src/server/listeners.js';
import { loadConfig } from '../../../src/config.js';
import type { Logger } from '../../../src/log.js';

let now = Date.UTC(2026, 11, 1, 6, 0, 0);
const clock = { now: () => new Date(now) };

/** Tokens the fake API server knows: `reader` may get /metrics, `nosy` may not; anything else is unknown. */
function fakeReviews(opts: { down?: boolean } = {}) {
  const calls: string[] = [];
  const reviews: KubernetesReviews = {
    async reviewToken(token) {
      calls.push(`token:${token}`);
      if (opts.down) throw new Error('connect ECONNREFUSED');
      const users: Record<string, ReviewedUser> = { reader: { username: 'system:serviceaccount:monitoring:prometheus' }, nosy: { username: 'system:serviceaccount:shop:nosy' } };
      return users[token] ? { authenticated: true, user: users[token] } : { authenticated: false };
    },
    async reviewAccess(user, path, verb) {
      calls.push(`access:${user.username}:${verb}:${path}`);
      return { allowed: user.username === 'system:serviceaccount:monitoring:prometheus' && path === '/metrics' && verb === 'get' };
    },
  };
  return { reviews, calls };
}

describe('server/metrics-auth: /metrics asked of the API server (TokenReview + SubjectAccessReview)', () => {
  beforeEach(() => { now = Date.UTC(2026, 11, 1, 6, 0, 0); });

  const cases: Array<[string, string | undefined, string]> = [
    ['a token allowed to get /metrics', 'Bearer reader', 'Allowed'],
    ['an authenticated token without the permission', 'Bearer nosy', 'Forbidden'],
    ['a token the API server does not know', 'Bearer forged', 'Unauthenticated'],
    ['no Authorization header', undefined, 'Unauthenticated'],
    ['another scheme', 'Basic cmVhZGVyOng=', 'Unauthenticated'],
    ['an empty bearer', 'Bearer ', 'Unauthenticated'],
  ];
  for (const [name, header, access] of cases) {
    it(`${name} → ${access}`, async () => {
      const { reviews } = fakeReviews();
      expect(await kubernetesMetricsAuthorizer(reviews, clock)(header)).to.equal(access);
    });
  }

  it('asks for get on the non-resource URL /metrics, as the reviewed user', async () => {
    const { reviews, calls } = fakeReviews();
    await kubernetesMetricsAuthorizer(reviews, clock)('Bearer reader');
    expect(calls).to.deep.equal(['token:reader', 'access:system:serviceaccount:monitoring:prometheus:get:/metrics']);
  });

  it('caches each decision for a minute (allowed and refused alike), then asks again', async () => {
    const { reviews, calls } = fakeReviews();
    const authorize = kubernetesMetricsAuthorizer(reviews, clock);
    await authorize('Bearer reader'); await authorize('Bearer nosy'); await authorize('Bearer forged');
    const asked = calls.length;
    now += 59_000;
    expect([await authorize('Bearer reader'), await authorize('Bearer nosy'), await authorize('Bearer forged')]).to.deep.equal(['Allowed', 'Forbidden', 'Unauthenticated']);
    expect(calls.length).to.equal(asked);
    now += 1_000;
    await authorize('Bearer reader');
    expect(calls.length).to.be.greaterThan(asked);
  });

  it('an API server that cannot answer: 503-style Unavailable, never Allowed, never cached', async () => {
    const down = fakeReviews({ down: true });
    const authorize = kubernetesMetricsAuthorizer(down.reviews, clock);
    expect(await authorize('Bearer reader')).to.equal('Unavailable');
    expect(await authorize('Bearer reader')).to.equal('Unavailable');
    expect(down.calls).to.have.length(2);
  });

  it('the cache is bounded: the oldest decision goes first', async () => {
    const { reviews, calls } = fakeReviews();
    const authorize = kubernetesMetricsAuthorizer(reviews, clock, { maxEntries: 2 });
    await authorize('Bearer reader'); await authorize('Bearer nosy'); await authorize('Bearer forged');
    const asked = calls.length;
    await authorize('Bearer forged'); await authorize('Bearer nosy');
    expect(calls.length).to.equal(asked);
    await authorize('Bearer reader');
    expect(calls.length).to.be.greaterThan(asked);
  });

  it('property: only a token the API server both authenticates and authorizes is Allowed', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.constantFrom('reader', 'nosy', 'forged'), fc.string({ maxLength: 20 })), fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Token ', ''),
      async (token, scheme) => {
        const { reviews } = fakeReviews();
        const access = await kubernetesMetricsAuthorizer(reviews, clock)(`${scheme}${token}`);
        const wellFormed = /^bearer[ \t]+$/iu.test(scheme) && /^\S+$/u.test(token);
        expect(access === 'Allowed').to.equal(wellFormed && token === 'reader');
      }));
  });

  it('bearerToken reads only `Bearer <token>`', () => {
    expect(bearerToken('Bearer abc')).to.equal('abc');
    expect(bearerToken('bearer abc ')).to.equal('abc');
    expect(bearerToken('Bearer a b')).to.equal(undefined);
    expect(bearerToken(undefined)).to.equal(undefined);
  });

  it('the metrics listener answers 200 / 401 / 403 / 503 from the decision', async () => {
    const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
    const config = loadConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_AUTH: 'kubernetes' });
    const answers: Record<string, 'Allowed' | 'Forbidden' | 'Unauthenticated' | 'Unavailable'> = { a: 'Allowed', f: 'Forbidden', u: 'Unauthenticated', d: 'Unavailable' };
    const servers = await startListeners(config, {
      log, clock, ready: () => ({ ready: true, detail: {} }),
      metrics: async () => ({ contentType: 'text/plain', body: 'incident_operator_leader 1\n' }),
      metricsAuthorizer: async (h) => answers[bearerToken(h) ?? ''] ?? 'Unauthenticated',
    });
    try {
      const port = (servers.metrics!.address() as { port: number }).port;
      const status = (token?: string) => new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
      });
      expect([await status('a'), await status('f'), await status('u'), await status('d'), await status()]).to.deep.equal([200, 403, 401, 503, 401]);
    } finally { await closeListeners(servers); }
  });

  it('METRICS_AUTH=kubernetes without a reviewer refuses to start (never silently open)', async () => {
    const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
    const config = loadConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_AUTH: 'kubernetes' });
    let error: unknown;
    try {
      await startListeners(config, { log, clock, ready: () => ({ ready: true, detail: {} }), metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    } catch (e) { error = e; }
    expect(String(error)).to.contain('METRICS_AUTH=kubernetes without an access reviewer');
  });
});
