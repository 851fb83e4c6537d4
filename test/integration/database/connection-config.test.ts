import { expect } from 'chai';
import pg from 'pg';
import {
  connectionConfigFromSecret,
  DatabaseSecretError,
  describeTarget,
  SslMode,
} from '../../../src/database/connection-config.js';
import { ensurePostgres, stopPostgres, type PgHarness } from '../../harness/postgres.js';

// Stops the shared server once, after every test of the run (root-level hook; idempotent).
after(async () => {
  await stopPostgres();
});

const CANARY_PASSWORD = 'canary-Pw-0xDEADBEEF';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function secret(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    host: 'db.patient-advocacy.svc',
    port: '5433',
    database: 'app',
    user: 'incident_operator',
    password: CANARY_PASSWORD,
    sslmode: 'disable',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

describe('connectionConfigFromSecret (pure)', () => {
  const good: { name: string; data: Record<string, string>; expect: Record<string, unknown> }[] = [
    {
      name: 'separate keys',
      data: secret(),
      expect: { host: 'db.patient-advocacy.svc', port: 5433, database: 'app', user: 'incident_operator', password: CANARY_PASSWORD, sslmode: 'disable', ssl: false },
    },
    { name: 'dbname and username aliases', data: secret({ database: undefined, dbname: 'app2', user: undefined, username: 'op' }), expect: { database: 'app2', user: 'op' } },
    { name: 'default port 5432 and default sslmode require', data: secret({ port: undefined, sslmode: undefined }), expect: { port: 5432, sslmode: 'require', ssl: { rejectUnauthorized: false } } },
    { name: 'surrounding whitespace in host/port is trimmed', data: secret({ host: ' db\n', port: '5433\n' }), expect: { host: 'db', port: 5433 } },
    { name: 'password is kept verbatim', data: secret({ password: ' p w\n' }), expect: { password: ' p w\n' } },
    {
      name: 'verify-full with CA verifies chain and host name',
      data: secret({ sslmode: 'verify-full', 'ca.crt': CA }),
      expect: { sslmode: 'verify-full', ssl: { rejectUnauthorized: true, ca: CA, servername: 'db.patient-advocacy.svc' } },
    },
    {
      name: 'uri with percent-encoded password and sslmode',
      data: { uri: `postgresql://op%40x:${encodeURIComponent('p@ss:/word')}@db.example:6000/app?sslmode=verify-full` },
      expect: { host: 'db.example', port: 6000, user: 'op@x', password: 'p@ss:/word', database: 'app', sslmode: 'verify-full' },
    },
    { name: 'uri without port or sslmode', data: { uri: 'postgres://u:p@db/app' }, expect: { port: 5432, sslmode: 'require' } },
    { name: 'uri with IPv6 host', data: { uri: 'postgres://u:p@[::1]:5432/app?sslmode=disable' }, expect: { host: '::1', ssl: false } },
  ];
  for (const c of good) {
    it(`accepts ${c.name}`, () => {
      const cfg = connectionConfigFromSecret(c.data) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.expect)) expect(cfg[key], key).to.deep.equal(value);
    });
  }

  it('require with a CA verifies the chain but not the host name (libpq semantics)', () => {
    const cfg = connectionConfigFromSecret(secret({ sslmode: 'require', 'ca.crt': CA }));
    expect(cfg.ssl).to.include({ rejectUnauthorized: true, ca: CA });
    const ssl = cfg.ssl as { checkServerIdentity?: (host: string, cert: unknown) => Error | undefined };
    expect(ssl.checkServerIdentity?.('other-host', {})).to.equal(undefined);
  });

  const bad: { name: string; data: Record<string, string>; key: string; problem: string }[] = [
    { name: 'no host', data: secret({ host: undefined }), key: 'host', problem: 'Missing' },
    { name: 'blank host', data: secret({ host: '  ' }), key: 'host', problem: 'Missing' },
    { name: 'no database', data: secret({ database: undefined }), key: 'database', problem: 'Missing' },
    { name: 'no user', data: secret({ user: undefined }), key: 'user', problem: 'Missing' },
    { name: 'no password', data: secret({ password: undefined }), key: 'password', problem: 'Missing' },
    { name: 'empty password', data: secret({ password: '' }), key: 'password', problem: 'Missing' },
    { name: 'port not a number', data: secret({ port: 'fivefour' }), key: 'port', problem: 'Invalid' },
    { name: 'port out of range', data: secret({ port: '70000' }), key: 'port', problem: 'Invalid' },
    { name: 'unknown sslmode', data: secret({ sslmode: 'prefer' }), key: 'sslmode', problem: 'Invalid' },
    { name: 'uri not a URL', data: { uri: `not a url ${CANARY_PASSWORD}` }, key: 'uri', problem: 'Invalid' },
    { name: 'uri wrong scheme', data: { uri: `mysql://u:${CANARY_PASSWORD}@h/db` }, key: 'uri', problem: 'Invalid' },
    { name: 'uri without password', data: { uri: 'postgres://u@h/db' }, key: 'uri', problem: 'Missing' },
    { name: 'uri without database', data: { uri: `postgres://u:${CANARY_PASSWORD}@h` }, key: 'uri', problem: 'Missing' },
    { name: 'uri with bad sslmode', data: { uri: `postgres://u:${CANARY_PASSWORD}@h/db?sslmode=allow` }, key: 'uri', problem: 'Invalid' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the key and never the value`, () => {
      let caught: unknown;
      try {
        connectionConfigFromSecret(c.data);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(DatabaseSecretError);
      const err = caught as DatabaseSecretError;
      expect(err.key).to.equal(c.key);
      expect(err.problem).to.equal(c.problem);
      expect(err.message).to.include(`"${c.key}"`);
      expect(err.message).not.to.include(CANARY_PASSWORD);
      for (const value of Object.values(c.data)) if (value.trim().length > 3) expect(err.message).not.to.include(value);
    });
  }

  const targets: { cfg: { host?: string; port?: number; database?: string }; expected: string }[] = [
    { cfg: { host: 'db', port: 5433, database: 'app' }, expected: 'db:5433/app' },
    { cfg: { host: '::1', port: 5432, database: 'app' }, expected: '[::1]:5432/app' },
    { cfg: { host: 'db', database: 'app' }, expected: 'db:5432/app' },
  ];
  for (const t of targets) {
    it(`describeTarget -> ${t.expected}`, () => {
      expect(describeTarget(t.cfg)).to.equal(t.expected);
    });
  }

  it('describeTarget never shows user or password', () => {
    const cfg = connectionConfigFromSecret(secret());
    const text = describeTarget(cfg);
    expect(text).to.equal('db.patient-advocacy.svc:5433/app');
    expect(text).not.to.include('incident_operator');
    expect(text).not.to.include(CANARY_PASSWORD);
  });
});

describe('connectionConfigFromSecret against a real PostgreSQL', () => {
  let h: PgHarness;
  before(async () => {
    h = await ensurePostgres();
  });

  async function whoAmI(data: Record<string, string>): Promise<{ user: string; db: string; ssl: boolean }> {
    const client = new pg.Client(connectionConfigFromSecret(data));
    client.on('error', () => undefined);
    await client.connect();
    try {
      const r = await client.query('SELECT current_user AS user, current_database() AS db, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return r.rows[0] as { user: string; db: string; ssl: boolean };
    } finally {
      await client.end();
    }
  }

  it('connects as the operator role with separate keys and sslmode=disable', async () => {
    const me = await whoAmI({ host: h.host, port: String(h.port), dbname: h.database, username: h.operator.user, password: h.operator.password, sslmode: SslMode.Disable });
    expect(me).to.deep.equal({ user: 'incident_operator', db: 'app', ssl: false });
  });

  it('connects with a uri and sslmode=verify-full against the server certificate', async function () {
    if (h.tlsCert === null) this.skip();
    const uri = `postgresql://${h.operator.user}:${encodeURIComponent(h.operator.password)}@${h.host}:${h.port}/${h.database}?sslmode=verify-full`;
    const me = await whoAmI({ uri, 'ca.crt': h.tlsCert ?? '' });
    expect(me).to.deep.equal({ user: 'incident_operator', db: 'app', ssl: true });
  });
});
