/**
 * Runbook "API Service Outage", step 3 ("verify database connectivity"), done step by step so a failure says
 * where it happened: dns -> tcp -> tls (when sslmode != disable) -> auth -> select1. Every step has its own
 * timeout; a failed step marks all later steps Skipped. Never throws; messages never contain the password.
 */
import { promises as dns } from 'node:dns';
import { isIP, Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemScheduler, withTimeout } from '../runtime/clock.js';
import { errorCode } from '../decide/errors.js';
import { DEFAULT_PORT, describeTarget, SslMode, tlsOptions, type DatabaseConnectionConfig } from './connection-config.js';
import { ConnectivityReason, ConnectivityStep, type ConnectivityReport, type ConnectivityStepResult } from '../api/database-evidence.js';
import { redactText } from '../redact/phi.js';

export { ConnectivityReason, ConnectivityStep, type ConnectivityReport, type ConnectivityStepResult } from '../api/database-evidence.js';

export interface ConnectivityOptions {
  /** Timeout of each step. */
  timeoutMs: number;
}

/** What checkDatabaseConnectivity needs; a DatabaseConnectionConfig fits, so does a plain pg ClientConfig. */
export type ConnectivityTarget = pg.ClientConfig & { sslmode?: SslMode };

/** Postgres SSLRequest: length 8, request code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const MAX_MESSAGE = 300;

class StepFailure extends Error {
  constructor(
    readonly reason: Exclude<ConnectivityReason, 'Skipped'>,
    message: string,
    /** Human phrase for the summary when it should say more than the reason. */
    readonly phrase?: string,
  ) {
    super(message);
  }
}

/** Remove the password (raw and URI-encoded) from a message, flatten and cap it. */
function stripPassword(message: string, password: string | undefined): string {
  let out = message.replace(/\s+/g, ' ').trim();
  if (password) {
    for (const variant of new Set([password, encodeURIComponent(password)])) out = out.split(variant).join('<secret>');
  }
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}

/** Driver messages through the one evidence redactor (default-deny; SQLSTATE and errno codes stay). */
function redact(message: string, password: string | undefined): string {
  return redactText(stripPassword(message, password), { maxLength: MAX_MESSAGE });
}

function stepTimeout<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return withTimeout(work, ms, systemScheduler, () => {
    onTimeout?.();
    return new StepFailure(ConnectivityReason.Timeout, `${what} timed out after ${ms} ms`);
  });
}

const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Map an error from node or pg to a step failure. */
function classify(err: unknown, fallback: Exclude<ConnectivityReason, 'Skipped'>): StepFailure {
  if (err instanceof StepFailure) return err;
  const code = errorCode(err) ?? '';
  const message = err instanceof Error ? err.message : String(err);
  const withCode = code ? `${message} (${code})` : message;
  if (code === '28P01' || code === '28000') return new StepFailure(ConnectivityReason.AuthenticationFailed, withCode);
  if (code === '3D000') return new StepFailure(ConnectivityReason.AuthenticationFailed, withCode, 'database does not exist');
  if (code === '42501') return new StepFailure(ConnectivityReason.AuthenticationFailed, withCode, 'permission denied to connect');
  if (code === '53300') return new StepFailure(ConnectivityReason.ConnectionRefused, withCode, 'too many connections');
  if (code === '57P03') return new StepFailure(ConnectivityReason.ConnectionRefused, withCode, 'server starting up or shutting down');
  if (code === '57014') return new StepFailure(ConnectivityReason.Timeout, withCode);
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new StepFailure(ConnectivityReason.ConnectionRefused, withCode);
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return new StepFailure(ConnectivityReason.Timeout, withCode);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return new StepFailure(ConnectivityReason.DNSFailed, withCode);
  if (TLS_ERROR.test(code) || /\b(SSL|TLS|certificate)\b/i.test(message)) return new StepFailure(ConnectivityReason.TLSFailed, withCode);
  return new StepFailure(fallback, withCode);
}

async function resolveHost(host: string, timeoutMs: number): Promise<{ address: string; message: string }> {
  if (host.trim() === '') throw new StepFailure(ConnectivityReason.DNSFailed, 'no host configured');
  if (isIP(host) !== 0) return { address: host, message: 'IP address, no lookup needed' };
  try {
    const result = await stepTimeout(dns.lookup(host), timeoutMs, 'DNS lookup');
    return { address: result.address, message: `resolved to ${result.address}` };
  } catch (err) {
    const failure = classify(err, ConnectivityReason.DNSFailed);
    throw failure.reason === ConnectivityReason.Timeout ? failure : new StepFailure(ConnectivityReason.DNSFailed, failure.message);
  }
}

function openTcp(address: string, port: number, timeoutMs: number): Promise<Socket> {
  const socket = netConnect({ host: address, port });
  const connected = new Promise<Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
  return stepTimeout(connected, timeoutMs, 'TCP connect', () => socket.destroy()).then(
    (s) => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      return s;
    },
    (err: unknown) => {
      socket.destroy();
      throw classify(err, ConnectivityReason.ConnectionRefused);
    },
  );
}

/** PostgreSQL's in-band TLS negotiation (SSLRequest, 'S'/'N'), then a handshake with the configured options. */
async function handshakeTls(socket: Socket, host: string, options: ConnectionOptions, timeoutMs: number): Promise<string> {
  const answer = new Promise<string>((resolve, reject) => {
    socket.once('data', (data: Buffer) => resolve(data.subarray(0, 1).toString('latin1')));
    socket.once('close', () => reject(new StepFailure(ConnectivityReason.TLSFailed, 'server closed the connection during TLS negotiation')));
    socket.write(SSL_REQUEST);
  });
  const code = await stepTimeout(answer, timeoutMs, 'TLS negotiation');
  if (code === 'N') throw new StepFailure(ConnectivityReason.TLSFailed, 'server does not accept TLS connections');
  if (code !== 'S') throw new StepFailure(ConnectivityReason.TLSFailed, 'unexpected answer to the TLS request');
  const secure = tlsConnect({ ...options, socket, host, ...(isIP(host) === 0 ? { servername: host } : {}) });
  try {
    const done = new Promise<string>((resolve, reject) => {
      secure.once('secureConnect', () => resolve(`${secure.getProtocol() ?? 'TLS'} established`));
      secure.once('error', reject);
    });
    return await stepTimeout(done, timeoutMs, 'TLS handshake');
  } catch (err) {
    const failure = classify(err, ConnectivityReason.TLSFailed);
    throw failure.reason === ConnectivityReason.Timeout ? failure : new StepFailure(ConnectivityReason.TLSFailed, failure.message);
  } finally {
    secure.on('error', () => undefined);
    secure.destroy();
  }
}

/** The TLS options pg would use: explicit `ssl` wins, then `sslmode`; `ssl: true` means verify (node's default). */
function effectiveTls(cfg: ConnectivityTarget, host: string): ConnectionOptions | false {
  if (typeof cfg.ssl === 'object' && cfg.ssl !== null) return cfg.ssl;
  if (cfg.ssl === true) return {};
  if (cfg.sslmode !== undefined && cfg.sslmode !== SslMode.Disable) return tlsOptions(cfg.sslmode, host, undefined);
  return false;
}

function summaryPhrase(failure: StepFailure, step: ConnectivityStep): string {
  if (failure.phrase) return failure.phrase;
  switch (failure.reason) {
    case ConnectivityReason.DNSFailed:
      return 'DNS lookup failed';
    case ConnectivityReason.ConnectionRefused:
      return 'connection refused';
    case ConnectivityReason.Timeout:
      return `timed out (${step})`;
    case ConnectivityReason.TLSFailed:
      return 'TLS handshake failed';
    case ConnectivityReason.AuthenticationFailed:
      return 'authentication failed';
    case ConnectivityReason.QueryFailed:
      return 'SELECT 1 failed';
  }
}

/** Probe the database step by step. Never throws. */
export async function checkDatabaseConnectivity(cfg: ConnectivityTarget | DatabaseConnectionConfig, opts: ConnectivityOptions): Promise<ConnectivityReport> {
  const started = performance.now();
  const timeoutMs = Math.max(1, opts.timeoutMs);
  const host = cfg.host ?? 'localhost';
  const port = cfg.port ?? DEFAULT_PORT;
  const password = typeof cfg.password === 'string' ? cfg.password : undefined;
  const tls = effectiveTls(cfg, host);
  const plan: ConnectivityStep[] = [ConnectivityStep.Dns, ConnectivityStep.Tcp, ...(tls ? [ConnectivityStep.Tls] : []), ConnectivityStep.Auth, ConnectivityStep.Select1];

  const steps: ConnectivityStepResult[] = [];
  let failed: { failure: StepFailure; step: ConnectivityStep } | null = null;
  let address = host;
  let socket: Socket | null = null;
  let client: pg.Client | null = null;

  const actions: Record<ConnectivityStep, () => Promise<string>> = {
    [ConnectivityStep.Dns]: async () => {
      const resolved = await resolveHost(host, timeoutMs);
      address = resolved.address;
      return resolved.message;
    },
    [ConnectivityStep.Tcp]: async () => {
      socket = await openTcp(address, port, timeoutMs);
      return `connected to ${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
    },
    [ConnectivityStep.Tls]: async () => {
      if (!tls || socket === null) throw new StepFailure(ConnectivityReason.TLSFailed, 'no connection');
      return handshakeTls(socket, host, tls, timeoutMs);
    },
    [ConnectivityStep.Auth]: async () => {
      const settings: pg.ClientConfig = {
        ...cfg,
        ssl: tls,
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
        application_name: 'incident-operator-connectivity',
      };
      const c = new pg.Client(settings);
      c.on('error', () => undefined);
      client = c;
      try {
        await stepTimeout(c.connect(), timeoutMs + 250, 'authentication');
      } catch (err) {
        throw classify(err, ConnectivityReason.AuthenticationFailed);
      }
      return `logged in as ${String(cfg.user ?? '')}`;
    },
    [ConnectivityStep.Select1]: async () => {
      const c = client;
      if (c === null) throw new StepFailure(ConnectivityReason.QueryFailed, 'no session');
      try {
        const query: pg.QueryConfig & { query_timeout: number } = { text: 'SELECT 1 AS ok', query_timeout: timeoutMs };
        const result = await stepTimeout(c.query<{ ok: number }>(query), timeoutMs + 250, 'SELECT 1');
        if (Number(result.rows[0]?.ok) !== 1) {
          throw new StepFailure(ConnectivityReason.QueryFailed, 'SELECT 1 returned an unexpected result');
        }
      } catch (err) {
        throw classify(err, ConnectivityReason.QueryFailed);
      }
      return 'SELECT 1 ok';
    },
  };

  try {
    for (const step of plan) {
      if (failed !== null) {
        steps.push({ step, ok: false, latencyMs: 0, reason: ConnectivityReason.Skipped, message: `skipped after ${failed.step} failed` });
        continue;
      }
      const stepStart = performance.now();
      try {
        const message = await actions[step]();
        steps.push({ step, ok: true, latencyMs: Math.round(performance.now() - stepStart), message: redact(message, password) });
      } catch (err) {
        const failure = classify(err, ConnectivityReason.QueryFailed);
        failed = { failure, step };
        steps.push({ step, ok: false, latencyMs: Math.round(performance.now() - stepStart), reason: failure.reason, message: redact(failure.message, password) });
      }
      if (step === ConnectivityStep.Tls || (step === ConnectivityStep.Tcp && !tls) || failed !== null) {
        (socket as Socket | null)?.destroy();
        socket = null;
      }
    }
  } finally {
    (socket as Socket | null)?.destroy();
    const c = client as pg.Client | null;
    if (c !== null) await stepTimeout(c.end(), timeoutMs, 'disconnect').catch(() => undefined);
  }

  const totalLatencyMs = Math.round(performance.now() - started);
  const reachable = failed === null;
  const hostPort = describeTarget({ host, port, database: '' }).replace(/\/$/, '');
  const summary = reachable
    ? `database reachable in ${totalLatencyMs} ms`
    : stripPassword(`database unreachable: ${summaryPhrase(failed!.failure, failed!.step)} (${hostPort})`, password);
  return { reachable, totalLatencyMs, steps, summary };
}
