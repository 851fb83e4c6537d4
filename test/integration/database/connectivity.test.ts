import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { connectionConfigFromSecret, SslMode } from '../../../src/database/connection-config.js';
import { checkDatabaseConnectivity, type ConnectivityReport } from '../../../src/database/connectivity.js';
import { ensurePostgres, stopPostgres, waitFor, type PgHarness } from '../../harness/postgres.js';

after(async () => {
  await stopPostgres();
});

const CANARY_PASSWORD = 'canary-Pw-5up3r-S3cret-0xC0FFEE';

const outcome = (r: ConnectivityReport): string[] => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : s.reason}`);

/** A TCP server on 127.0.0.1 that accepts connections and then does `behaviour` (e.g. nothing at all). */
async function fakeServer(behaviour: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const s = await fakeServer(() => undefined);
  await s.close();
  return s.port;
}

describe('checkDatabaseConnectivity (real PostgreSQL)', () => {
  let h: PgHarness;
  before(async () => {
    h = await ensurePostgres();
  });
  afterEach(async () => {
    await h.start(); // in case a test stopped it
    await h.closeSessions();
  });

  const secretFor = (overrides: Record<string, string> = {}): Record<string, string> => ({
    host: h.host,
    port: String(h.port),
    database: h.database,
    user: h.operator.user,
    password: h.operator.password,
    sslmode: SslMode.Disable,
    ...overrides,
  });

  it('reaches the database as the operator role without TLS: dns, tcp, auth, select1', async () => {
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor()), { timeoutMs: 5000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ok', 'auth:ok', 'select1:ok']);
    expect(report.reachable).to.equal(true);
    expect(report.summary).to.match(/^database reachable in \d+ ms$/);
    expect(report.totalLatencyMs).to.be.at.least(0);
    for (const step of report.steps) expect(step.latencyMs).to.be.a('number').and.at.least(0);
  });

  it('resolves a host name (localhost) in the dns step', async () => {
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ host: 'localhost' })), { timeoutMs: 5000 });
    expect(report.steps[0]).to.include({ step: 'dns', ok: true });
    // localhost may resolve to ::1 first on some machines, where the harness does not listen
    expect(outcome(report).slice(1)).to.satisfy(
      (o: string[]) => o.join() === 'tcp:ok,auth:ok,select1:ok' || o.join() === 'tcp:ConnectionRefused,auth:Skipped,select1:Skipped',
    );
  });

  it('adds a tls step with sslmode=require and verify-full (with the CA)', async function () {
    if (h.tlsCert === null) this.skip();
    const variants: Record<string, string>[] = [{ sslmode: 'require' }, { sslmode: 'verify-full', 'ca.crt': h.tlsCert ?? '' }];
    for (const extra of variants) {
      const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor(extra)), { timeoutMs: 5000 });
      expect(outcome(report), extra.sslmode).to.deep.equal(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:ok', 'select1:ok']);
    }
  });

  it('verify-full without the CA fails in the tls step (self-signed certificate)', async function () {
    if (h.tlsCert === null) this.skip();
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ sslmode: 'verify-full' })), { timeoutMs: 5000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ok', 'tls:TLSFailed', 'auth:Skipped', 'select1:Skipped']);
    expect(report.reachable).to.equal(false);
    expect(report.summary).to.equal(`database unreachable: TLS handshake failed (127.0.0.1:${h.port})`);
  });

  it('server stopped -> ConnectionRefused at tcp, later steps skipped', async () => {
    await h.stop();
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor()), { timeoutMs: 3000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ConnectionRefused', 'auth:Skipped', 'select1:Skipped']);
    expect(report.summary).to.equal(`database unreachable: connection refused (127.0.0.1:${h.port})`);
    await h.start();
    const again = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor()), { timeoutMs: 5000 });
    expect(again.reachable).to.equal(true);
  });

  it('wrong port -> ConnectionRefused', async () => {
    const port = await closedPort();
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ port: String(port) })), { timeoutMs: 3000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ConnectionRefused', 'auth:Skipped', 'select1:Skipped']);
    expect(report.summary).to.equal(`database unreachable: connection refused (127.0.0.1:${port})`);
  });

  it('wrong password -> AuthenticationFailed, and the password appears nowhere in the report', async () => {
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ password: CANARY_PASSWORD })), { timeoutMs: 5000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ok', 'auth:AuthenticationFailed', 'select1:Skipped']);
    expect(report.steps[2]?.message).to.include('28P01');
    expect(report.summary).to.equal(`database unreachable: authentication failed (127.0.0.1:${h.port})`);
    const text = JSON.stringify(report);
    expect(text).not.to.include(CANARY_PASSWORD);
    expect(text).not.to.include(encodeURIComponent(CANARY_PASSWORD));
  });

  it('unknown role -> AuthenticationFailed', async () => {
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ user: 'nobody_here' })), { timeoutMs: 5000 });
    expect(report.steps.find((s) => s.step === 'auth')?.reason).to.equal('AuthenticationFailed');
  });

  it('database that does not exist -> AuthenticationFailed (3D000) after tcp ok', async () => {
    const report = await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor({ database: 'no_such_db' })), { timeoutMs: 5000 });
    expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ok', 'auth:AuthenticationFailed', 'select1:Skipped']);
    expect(report.steps[2]?.message).to.include('3D000');
    expect(report.summary).to.equal(`database unreachable: database does not exist (127.0.0.1:${h.port})`);
  });

  it('no session leaks: the probe closes its backend', async () => {
    const before = await h.adminQuery(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'incident_operator'`);
    await checkDatabaseConnectivity(connectionConfigFromSecret(secretFor()), { timeoutMs: 5000 });
    // the backend exits asynchronously after the client's Terminate message: poll
    await waitFor(async () => {
      const after = await h.adminQuery(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'incident_operator'`);
      return after[0]?.['n'] === before[0]?.['n'];
    }, 'the probe backend to exit', 5000);
  });
});

describe('checkDatabaseConnectivity (no PostgreSQL needed)', () => {
  it('unresolvable host -> DNSFailed', async () => {
    const report = await checkDatabaseConnectivity(
      connectionConfigFromSecret({ host: 'no-such-host.invalid', database: 'app', user: 'u', password: CANARY_PASSWORD, sslmode: 'disable' }),
      { timeoutMs: 5000 },
    );
    expect(outcome(report)).to.deep.equal(['dns:DNSFailed', 'tcp:Skipped', 'auth:Skipped', 'select1:Skipped']);
    expect(report.summary).to.equal('database unreachable: DNS lookup failed (no-such-host.invalid:5432)');
  });

  it('a server that accepts but never answers -> Timeout in auth (no TLS) or tls (TLS)', async () => {
    const silent = await fakeServer(() => undefined);
    try {
      const base = { host: '127.0.0.1', port: String(silent.port), database: 'app', user: 'u', password: CANARY_PASSWORD };
      // 1 s per step: with 300 ms a loaded machine could time out the local DNS/TCP steps first (tcp:Timeout).
      const plain = await checkDatabaseConnectivity(connectionConfigFromSecret({ ...base, sslmode: 'disable' }), { timeoutMs: 1000 });
      expect(outcome(plain)).to.deep.equal(['dns:ok', 'tcp:ok', 'auth:Timeout', 'select1:Skipped']);
      expect(plain.summary).to.equal(`database unreachable: timed out (auth) (127.0.0.1:${silent.port})`);
      const tls = await checkDatabaseConnectivity(connectionConfigFromSecret({ ...base, sslmode: 'require' }), { timeoutMs: 1000 });
      expect(outcome(tls)).to.deep.equal(['dns:ok', 'tcp:ok', 'tls:Timeout', 'auth:Skipped', 'select1:Skipped']);
      expect(tls.totalLatencyMs).to.be.below(3000);
    } finally {
      await silent.close();
    }
  });

  it("a server that declines TLS ('N') -> TLSFailed when sslmode=require", async () => {
    const noTls = await fakeServer((socket) => socket.once('data', () => socket.write('N')));
    try {
      const report = await checkDatabaseConnectivity(
        connectionConfigFromSecret({ host: '127.0.0.1', port: String(noTls.port), database: 'app', user: 'u', password: CANARY_PASSWORD, sslmode: 'require' }),
        { timeoutMs: 2000 },
      );
      expect(outcome(report)).to.deep.equal(['dns:ok', 'tcp:ok', 'tls:TLSFailed', 'auth:Skipped', 'select1:Skipped']);
      expect(report.steps[2]?.message).to.equal('server does not accept TLS connections');
    } finally {
      await noTls.close();
    }
  });

  it('never throws, even for a nonsense config', async () => {
    const report = await checkDatabaseConnectivity({ host: '', port: -1, password: CANARY_PASSWORD }, { timeoutMs: 500 });
    expect(report.reachable).to.equal(false);
    expect(JSON.stringify(report)).not.to.include(CANARY_PASSWORD);
  });
});
