/**
 * winston JSON logger. Every record passes a scrub format that removes credentials (URL userinfo,
 * key=value secrets, bearer tokens) as a last line of defence; callers never pass raw log lines or SQL.
 */
import winston from 'winston';

const SECRET_KV = /\b(password|passwd|pwd|secret|token|api[_-]?key|routing[_-]?key|authorization)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/g;

export function scrubSecrets(text: string): string {
  return text.replace(URL_USERINFO, '$1<redacted>@').replace(SECRET_KV, '$1$2<redacted>').replace(BEARER, 'Bearer <redacted>');
}

function scrubValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubSecrets(v);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return scrubSecrets(v.message);
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrubValue(x, depth + 1);
  return out;
}

const scrub = winston.format((info) => {
  for (const key of Object.keys(info)) {
    (info as Record<string, unknown>)[key] = scrubValue((info as Record<string, unknown>)[key]);
  }
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
