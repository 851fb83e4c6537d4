/**
 * Run one diagnostic query in its own short read-only transaction with a statement_timeout, so a stuck catalog
 * query cannot hang the operator and nothing it runs can write. The client must not be in a transaction already.
 */
import type pg from 'pg';
import { errorCode } from '../decide/errors.js';

const MAX_ERROR_MESSAGE = 200;

export async function runReadOnly(
  client: pg.ClientBase,
  sql: string,
  params: readonly unknown[],
  statementTimeoutMs: number,
): Promise<Record<string, unknown>[]> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.max(1, Math.round(statementTimeoutMs)))]);
    const result = await client.query<Record<string, unknown>>(sql, [...params]);
    await client.query('COMMIT');
    return result.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** SQLSTATE/node code and the first line of the message, capped: enough to act on, no detail/hint payloads. */
export function sqlErrorSummary(err: unknown): { code?: string; message: string } {
  const code = errorCode(err);
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const message = first.length > MAX_ERROR_MESSAGE ? `${first.slice(0, MAX_ERROR_MESSAGE - 1)}…` : first;
  return code === undefined ? { message } : { code, message };
}
