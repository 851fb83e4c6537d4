/**
 * What every pg_stat_activity reader shares: the exact backend_start format (it identifies a session together
 * with its pid, and is compared again in the statement that terminates it) and the redaction of the session's
 * identity. usename and application_name are evidence like any other text (an application name can be an e-mail
 * address), so they go through the evidence redactor (src/redact/phi.ts) before they leave src/database/.
 */
import { redactText } from '../redact/phi.js';

/** backend_start as ISO-8601 UTC with microseconds: exact, so it can be compared again in terminateSession. */
export const BACKEND_START_ISO = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Longest redacted role or application name kept (PostgreSQL caps both at 63 bytes). */
export const MaxIdentityLength = 64;

/** usename / application_name through the evidence redactor; null stays null (hidden or absent). */
export function redactIdentity(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return redactText(value, { maxLength: MaxIdentityLength });
}
