/**
 * incident-operator entry point: reads the configuration, connects with KUBECONFIG or in-cluster config,
 * logs the server version, starts the operator (operator.ts wires everything), and shuts down cleanly on
 * SIGTERM/SIGINT (releasing the leader Lease, flushing the incident log).
 */
import * as k8s from '@kubernetes/client-node';
import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './log.js';
import { makeClients } from './kube/clients.js';
import { startOperator } from './operator.js';
import { describeError } from './runtime/kube-errors.js';
import { IncidentLogConfigError } from './incident-log/open-incident-log.js';
import { errorCode, errorMessage } from './decide/errors.js';

async function main(): Promise<void> {
  const log = createLogger();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) { log.error('invalid configuration', { variable: e.variable, error: e.message }); process.exit(2); }
    throw e;
  }
  let clients;
  try {
    clients = makeClients();
  } catch (e) {
    // Never the parser's message: a YAML error quotes the lines around it, and a kubeconfig holds tokens.
    log.error('cannot load the Kubernetes configuration', { kubeconfig: process.env.KUBECONFIG ?? 'in-cluster or ~/.kube/config', error: e instanceof Error ? e.name : typeof e, code: errorCode(e) });
    process.exit(2);
  }
  const cluster = clients.kc.getCurrentCluster();
  try {
    const version = await clients.kc.makeApiClient(k8s.VersionApi).getCode();
    log.info('connected to Kubernetes', { server: cluster?.server, version: version.gitVersion, platform: version.platform });
  } catch (e) {
    log.error('cannot reach the Kubernetes API server', { server: cluster?.server, ...describeError(e) });
    process.exit(1);
  }
  let handle: Awaited<ReturnType<typeof startOperator>>;
  try {
    handle = await startOperator({ config, log, clients });
  } catch (e) {
    if (e instanceof IncidentLogConfigError) { log.error('invalid incident log configuration', { error: e.message }); process.exit(2); }
    throw e;
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try { await handle.stop(); } catch (e) { log.error('shutdown error', { error: errorMessage(e) }); }
    log.info('stopped');
    log.end();
    setTimeout(() => process.exit(0), 50).unref();
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { error: errorMessage(e) }));
}

main().catch((e: unknown) => {
  // Unexpected start-up failures: the error's class and code only (a message can quote configuration).
  createLogger().error('operator failed to start', { error: e instanceof Error ? e.name : typeof e, code: errorCode(e) });
  process.exit(1);
});
