import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createLogger, scrubRecord, scrubSecrets } from '../../src/log.js';

const S = 'CANARYs3cr3tValue9f2c';

describe('operator log scrubber', () => {
  const strings: [string, string][] = [
    ['Authorization: Bearer', `Authorization: Bearer ${S}`],
    ['Authorization: Basic', `authorization: Basic ${Buffer.from(`app:${S}`).toString('base64')}`],
    ['Authorization: Digest (commas, quotes)', `Authorization: Digest username="app", realm="x", response="${S}"`],
    ['Authorization: custom scheme', `Authorization: SSWS ${S}`],
    ['Authorization: AWS4', `Authorization: AWS4-HMAC-SHA256 Credential=AKIA/${S}, Signature=${S}`],
    ['Proxy-Authorization', `Proxy-Authorization: Negotiate ${S}`],
    ['bare Bearer', `retrying with Bearer ${S}`],
    ['PGPASSWORD', `PGPASSWORD=${S} psql -h db`],
    ['password=', `password=${S}`],
    ['quoted password with spaces', `password: "${S} and more"`],
    ['connection URL', `postgres://app:${S}@db.internal:5432/app`],
    ['connection URL with @ in password', `postgresql://app:p@ss${S}@db:5432/app`],
    ['connection URL with / and # in password', `postgres://app:a/b#${S}@db/app`],
    ['libpq key/value DSN', `host=db user=app password=${S} dbname=app`],
    ['Slack webhook URL', `posting to https://hooks.slack.com/services/T0001/B0002/${S}`],
    ['Slack token', `xoxb-1234-${S}`],
    ['PagerDuty routing key', `routing_key=${S}`],
    ['PagerDuty URL', `https://events.pagerduty.com/v2/enqueue/${S}`],
    ['JWT', `token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIke1N9In0.${S}`],
    ['api key', `x-api-key: ${S}`],
    ['JSON secret', `{"client_secret":"${S}"}`],
    ['private key', `-----BEGIN PRIVATE KEY-----\n${S}\n-----END PRIVATE KEY-----`],
  ];
  for (const [name, text] of strings) {
    it(`removes ${name}`, () => {
      const b64 = Buffer.from(`app:${S}`).toString('base64');
      expect(text.includes(S) || text.includes(b64), 'the fixture carries the secret').to.equal(true);
      expect(scrubSecrets(text)).to.not.include(S);
      expect(scrubSecrets(text)).to.not.include(b64);
    });
  }

  it('keeps ordinary messages readable', () => {
    expect(scrubSecrets('leading: workers started for namespace team-a')).to.equal('leading: workers started for namespace team-a');
    expect(scrubSecrets('Token expired, refreshing')).to.equal('Token expired, refreshing');
  });

  it('replaces secret keys in structured meta at any depth, in arrays and errors, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const err = new Error(`connect failed for postgres://app:${S}@db/app`);
    const record = scrubRecord({
      message: `sent with Authorization: Bearer ${S}`,
      password: S,
      meta: { a: { b: { c: { d: { e: { f: { g: { h: { apiKey: S, routingKey: S, headers: { Authorization: `Token ${S}` } } } } } } } } } },
      list: [{ secret: S }, `PGPASSWORD=${S}`],
      err,
      cyclic,
      tokenCount: 3,
      secretRef: { name: 'db-credentials' },
    });
    const json = JSON.stringify(record);
    expect(json).to.not.include(S);
    expect(json).to.include('"tokenCount":3');
    expect(json).to.include('db-credentials'); // a reference to a Secret is not a secret
  });

  it('scrubs what the winston logger writes', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger('debug', out);
    log.info(`calling https://hooks.slack.com/services/T1/B2/${S}`, { pgPassword: S, nested: { authorization: `Basic ${S}` }, url: `postgres://u:${S}@h/db` });
    log.error('failed', new Error(`PGPASSWORD=${S}`));
    await new Promise((r) => setTimeout(r, 20));
    const written = chunks.join('');
    expect(written.length).to.be.greaterThan(0);
    expect(written).to.not.include(S);
  });
});
