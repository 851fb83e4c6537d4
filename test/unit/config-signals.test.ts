import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: health signals', () => {
  it('defaults: no Prometheus, 10 s interval, 3 breaches, 15 min rollout window, symptoms need signals', () => {
    expect(loadConfig({}).signals).to.deep.equal({
      prometheusUrl: undefined, prometheusAuthSecret: undefined, queryTimeoutMs: 3000, intervalMs: 10_000, refreshMs: 60_000,
      consecutiveBreaches: 3, healthyEvaluations: 3, rolloutWindowSeconds: 900, symptomsRequireSignals: true,
    });
  });
  it('reads every variable; a trailing slash is dropped from the URL', () => {
    const s = loadConfig({
      PROMETHEUS_URL: 'https://prometheus.monitoring:9090/', PROMETHEUS_AUTH_SECRET: 'prom-auth', SIGNAL_QUERY_TIMEOUT_MS: '500',
      SIGNAL_INTERVAL_MS: '1000', SIGNAL_STATUS_REFRESH_MS: '5000', SIGNAL_CONSECUTIVE_BREACHES: '2', SIGNAL_HEALTHY_EVALUATIONS: '4', SIGNAL_ROLLOUT_WINDOW_SECONDS: '60', SYMPTOMS_REQUIRE_SIGNALS: 'false',
    }).signals;
    expect(s).to.deep.equal({ prometheusUrl: 'https://prometheus.monitoring:9090', prometheusAuthSecret: 'prom-auth', queryTimeoutMs: 500, intervalMs: 1000, refreshMs: 5000, consecutiveBreaches: 2, healthyEvaluations: 4, rolloutWindowSeconds: 60, symptomsRequireSignals: false });
  });
  it('rejects a non-http URL and out-of-range numbers, naming the variable', () => {
    expect(() => loadConfig({ PROMETHEUS_URL: 'prometheus:9090' })).to.throw(ConfigError, /PROMETHEUS_URL/);
    expect(() => loadConfig({ SIGNAL_INTERVAL_MS: '10' })).to.throw(ConfigError, /SIGNAL_INTERVAL_MS/);
    expect(() => loadConfig({ SIGNAL_CONSECUTIVE_BREACHES: '0' })).to.throw(ConfigError, /SIGNAL_CONSECUTIVE_BREACHES/);
  });
});
