/**
 * Kubernetes Secret data (already base64-decoded) -> pg ClientConfig.
 *
 * Accepted keys: `host`, `port` (default 5432), `database` or `dbname`, `user` or `username`, `password`,
 * `sslmode` (disable | require | verify-full; default require), optional `ca.crt` (PEM);
 * or a single `uri` (postgres://user:password@host:port/db?sslmode=...), optionally with `ca.crt`.
 *
 * sslmode semantics follow libpq: `require` encrypts without verifying the server, unless `ca.crt` is given, in which
 * case the chain is verified but not the host name (libpq's behaviour when a root certificate is present);
 * `verify-full` verifies chain and host name. Errors name the offending key, never a value.
 */
import type { ClientConfig } from 'pg';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

export const SslMode = {
  Disable: 'disable',
  Require: 'require',
  VerifyFull: 'verify-full',
} as const;
export type SslMode = (typeof SslMode)[keyof typeof SslMode];

export const DEFAULT_PORT = 5432;
export const DEFAULT_SSLMODE: SslMode = SslMode.Require;

export type SecretProblem = 'Missing' | 'Invalid';

/** A database Secret lacks a key or has an unusable value. The message names the key only. */
export class DatabaseSecretError extends Error {
  override readonly name = 'DatabaseSecretError';
  constructor(
    readonly key: string,
    readonly problem: SecretProblem,
    detail?: string,
  ) {
    super(`database secret: ${problem === 'Missing' ? 'missing key' : 'invalid value for key'} "${key}"${detail ? ` (${detail})` : ''}`);
  }
}

/** A pg ClientConfig that also remembers the sslmode it was built from. */
export interface DatabaseConnectionConfig extends ClientConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: SslMode;
  ssl: false | ConnectionOptions;
}

const nonEmpty = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
};

function pick(data: Readonly<Record<string, string>>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const v = nonEmpty(data[key]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function required(data: Readonly<Record<string, string>>, keys: readonly [string, ...string[]]): string {
  const v = pick(data, keys);
  if (v === undefined) throw new DatabaseSecretError(keys[0], 'Missing');
  return v;
}

function parsePort(raw: string | undefined, key: string): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DatabaseSecretError(key, 'Invalid', 'expected 1-65535');
  return port;
}

function parseSslMode(raw: string | undefined, key: string): SslMode {
  if (raw === undefined) return DEFAULT_SSLMODE;
  const mode = Object.values(SslMode).find((m) => m === raw.toLowerCase());
  if (mode === undefined) throw new DatabaseSecretError(key, 'Invalid', `expected one of ${Object.values(SslMode).join(', ')}`);
  return mode;
}

/** TLS options for pg (and for the connectivity probe) from sslmode and an optional CA bundle. */
export function tlsOptions(sslmode: SslMode, host: string, ca: string | undefined): false | ConnectionOptions {
  if (sslmode === SslMode.Disable) return false;
  if (sslmode === SslMode.VerifyFull) {
    // SNI may not carry an IP address; the identity check then uses the connection's host (pg passes it)
    return { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...(isIP(host) === 0 ? { servername: host } : {}) };
  }
  if (ca) return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: false };
}

function fromUri(uri: string, data: Readonly<Record<string, string>>): DatabaseConnectionConfig {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new DatabaseSecretError('uri', 'Invalid', 'not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseSecretError('uri', 'Invalid', 'scheme must be postgres:// or postgresql://');
  }
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new DatabaseSecretError('uri', 'Invalid', `bad percent-encoding in ${what}`);
    }
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new DatabaseSecretError('uri', 'Missing', 'no host');
  const user = decode(url.username, 'user');
  if (user === '') throw new DatabaseSecretError('uri', 'Missing', 'no user');
  const password = decode(url.password, 'password');
  if (password === '') throw new DatabaseSecretError('uri', 'Missing', 'no password');
  const database = decode(url.pathname.replace(/^\//, ''), 'database');
  if (database === '') throw new DatabaseSecretError('uri', 'Missing', 'no database');
  const port = parsePort(url.port === '' ? undefined : url.port, 'uri');
  const sslmode = parseSslMode(nonEmpty(url.searchParams.get('sslmode') ?? undefined), 'uri');
  const ca = data['ca.crt'] !== undefined && data['ca.crt'].trim() !== '' ? data['ca.crt'] : undefined;
  return { host, port, database, user, password, sslmode, ssl: tlsOptions(sslmode, host, ca) };
}

/** Build the connection config from a Secret's decoded data; throws DatabaseSecretError. */
export function connectionConfigFromSecret(data: Readonly<Record<string, string>>): DatabaseConnectionConfig {
  const uri = nonEmpty(data['uri']);
  if (uri !== undefined) return fromUri(uri, data);
  const host = required(data, ['host']);
  const port = parsePort(nonEmpty(data['port']), 'port');
  const database = required(data, ['database', 'dbname']);
  const user = required(data, ['user', 'username']);
  // the password is used verbatim (no trimming): it is the one value whose every character matters
  const password = data['password'];
  if (password === undefined || password === '') throw new DatabaseSecretError('password', 'Missing');
  const sslmode = parseSslMode(nonEmpty(data['sslmode']), 'sslmode');
  const ca = data['ca.crt'] !== undefined && data['ca.crt'].trim() !== '' ? data['ca.crt'] : undefined;
  return { host, port, database, user, password, sslmode, ssl: tlsOptions(sslmode, host, ca) };
}

/** `host:port/db` for messages and status: never user or password. */
export function describeTarget(cfg: Pick<ClientConfig, 'host' | 'port' | 'database'>): string {
  const host = cfg.host ?? 'localhost';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${shownHost}:${cfg.port ?? DEFAULT_PORT}/${cfg.database ?? ''}`;
}
