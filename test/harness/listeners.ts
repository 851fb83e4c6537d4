/** The operator's listeners (probes, metrics, alertmanager): each logs "http server listening" with its name. */
import type { OperatorProcess } from './operator-process.js';

export type ListenerName = 'probes' | 'metrics' | 'alertmanager';

/** Env that turns every listener on, on random loopback ports (the intake also needs ALERTMANAGER_TOKEN_FILE). */
export const ALL_LISTENERS_ENV: Record<string, string> = {
  PROBE_HOST: '127.0.0.1', PROBE_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', ALERTMANAGER_HOST: '127.0.0.1', ALERTMANAGER_PORT: '0',
};

/** `host:port` of one listener, from its log line. */
export async function listenerAddress(op: OperatorProcess, name: ListenerName, timeoutMs = 60_000): Promise<string> {
  const rec = await op.waitForLog(new RegExp(`"message":"http server listening".*"server":"${name}"|"server":"${name}".*"message":"http server listening"`), timeoutMs);
  const address = typeof rec.address === 'string' ? rec.address : '';
  if (!/^[\d.]+:\d+$/.test(address)) throw new Error(`unexpected ${name} address ${JSON.stringify(address)}`);
  return address;
}

export async function listenerPort(op: OperatorProcess, name: ListenerName): Promise<number> {
  return Number((await listenerAddress(op, name)).split(':').pop());
}
