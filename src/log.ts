/**
 * winston JSON logger. Every record passes a scrub format, a last line of defence for secrets (callers never pass
 * raw log lines or SQL): the rules of `src/redact/secrets.ts` (Authorization headers of every scheme, URL userinfo
 * incl. `@` in the password, key=value secrets incl. PGPASSWORD, Slack/PagerDuty URLs and tokens, JWTs, private
 * keys) on every string, and every structured field whose key names a secret (`password`, `token`, `secret`,
 * `authorization`, `routingKey`, ...) replaced whole, at any depth (cycles and depth > 32 are cut).
 */
import winston from 'winston';
import { isSecretKey, redactSecrets, SecretPlaceholder } from './redact/secrets.js';

const MaxDepth = 32;

export function scrubSecrets(text: string): string {
  return redactSecrets(text);
}

function scrubValue(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return scrubSecrets(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth > MaxDepth || seen.has(v)) return '<cut>';
  seen.add(v);
  if (v instanceof Error) {
    const out: Record<string, unknown> = { name: v.name, message: scrubSecrets(v.message) };
    if (v.stack) out.stack = scrubSecrets(v.stack);
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = isSecretKey(k) && (typeof x === 'string' || typeof x === 'object') && x !== null && x !== '' ? SecretPlaceholder : scrubValue(x, depth + 1, seen);
  return out;
}

/** Scrubs one log record (exported for tests): strings, nested meta, errors. */
export function scrubRecord(info: Record<string, unknown>): Record<string, unknown> {
  const seen = new WeakSet<object>();
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    const v = info[key];
    info[key] = isSecretKey(key) && (typeof v === 'string' || typeof v === 'object') && v !== null ? SecretPlaceholder : scrubValue(v, 0, seen);
  }
  return info;
}

const scrub = winston.format((info) => {
  scrubRecord(info);
  return info;
});

export type Logger = winston.Logger;

export function createLogger(level = process.env.LOG_LEVEL || 'info', stream?: NodeJS.WritableStream): Logger {
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console({ stderrLevels: [] });
  return winston.createLogger({
    level,
    format: winston.format.combine(scrub(), winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: 'incident-operator' },
    transports: [transport],
  });
}
