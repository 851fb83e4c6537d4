/**
 * The one PostgreSQL session helper: connect with the operator's application_name and a connect
 * timeout, run `fn`, always close. A dropped connection is reported by the query that fails.
 */
import pg from 'pg';

export const OPERATOR_APPLICATION_NAME = 'incident-operator';

export async function withPgSession<T>(config: pg.ClientConfig, connectTimeoutMs: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...config, application_name: OPERATOR_APPLICATION_NAME, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => { /* reported by the failing query */ });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
