/**
 * Evaluates a list of health signals (Prometheus queries and HTTP probes) into verdicts, in parallel and
 * bounded by the query timeout. Prometheus credentials come from PROMETHEUS_AUTH_SECRET (keys `token`,
 * `ca.crt`) in the operator's namespace, read with readSecretData and cached for a minute.
 */
import type * as k8s from '@kubernetes/client-node';
import type { SignalsConfig } from '../config.js';
import { DEFAULT_PROBE_TIMEOUT_SECONDS, verdictOf, type Observation, type SignalSpec, type SignalVerdict } from '../decide/health-signals.js';
import { readSecretData } from '../kube/secrets.js';
import type { Clock } from '../runtime/clock.js';
import { probeHttp } from './http-probe.js';
import { PrometheusClient, type PrometheusAuth } from './prometheus-client.js';

export interface SignalEvaluatorDeps {
  config: SignalsConfig;
  operatorNamespace: string;
  core?: k8s.CoreV1Api;
  clock: Clock;
}

const AUTH_CACHE_MS = 60_000;

export class SignalEvaluator {
  private readonly prometheus?: PrometheusClient;
  private auth?: { at: number; value: PrometheusAuth };

  constructor(private readonly d: SignalEvaluatorDeps) {
    const url = d.config.prometheusUrl;
    if (url) this.prometheus = new PrometheusClient({ baseUrl: url, timeoutMs: d.config.queryTimeoutMs, auth: () => this.credentials() });
  }

  private async credentials(): Promise<PrometheusAuth | undefined> {
    const secret = this.d.config.prometheusAuthSecret;
    if (!secret || !this.d.core) return undefined;
    const now = this.d.clock.now().getTime();
    if (this.auth && now - this.auth.at < AUTH_CACHE_MS) return this.auth.value;
    const data = await readSecretData(this.d.core, this.d.operatorNamespace, secret);
    const value: PrometheusAuth = { token: data.token?.trim() || undefined, ca: data['ca.crt'] || undefined };
    this.auth = { at: now, value };
    return value;
  }

  /** One observation of one signal (at `time` for Prometheus; probes only observe now). */
  async observe(spec: SignalSpec, time?: Date): Promise<Observation> {
    if (spec.httpProbe) {
      const timeoutMs = Math.min(this.d.config.queryTimeoutMs * 10, (spec.httpProbe.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_SECONDS) * 1000);
      return probeHttp(spec.httpProbe.url, timeoutMs);
    }
    if (!spec.prometheus) return { ok: false, reason: 'NotConfigured', detail: 'neither prometheus nor httpProbe' };
    if (!this.prometheus) return { ok: false, reason: 'NotConfigured', detail: 'PROMETHEUS_URL is not set' };
    return this.prometheus.query(spec.prometheus.query, time);
  }

  /** Verdicts of every signal, carrying each one's breach streak on from `previous`. */
  async evaluate(signals: readonly SignalSpec[], previous: readonly SignalVerdict[] = []): Promise<SignalVerdict[]> {
    const prev = new Map(previous.map((v) => [v.name, v]));
    return Promise.all(signals.map(async (s) => verdictOf(s, await this.observe(s), prev.get(s.name))));
  }

  /** Each Prometheus signal's verdict at `time` (probes cannot look back: absent). */
  async verdictsAt(signals: readonly SignalSpec[], time: Date): Promise<Record<string, SignalVerdict['verdict']>> {
    const out: Record<string, SignalVerdict['verdict']> = {};
    await Promise.all(signals.filter((s) => s.prometheus).map(async (s) => { out[s.name] = verdictOf(s, await this.observe(s, time)).verdict; }));
    return out;
  }
}
