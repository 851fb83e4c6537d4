import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AlertNames, AlertRuleGroups, metricNamesIn } from '../../../src/observability/alert-rules.js';
import { alertRulesYaml, RulesFile } from '../../../src/observability/render.js';
import { exportedSeriesNames, which } from '../../harness/test-prometheus.js';

const PromtoolTests = 'test/unit/observability/alert-rules.promtool.yaml';

describe('observability/alert rules', () => {
  it('covers the operator\'s own health: no leader, informers, notifications / outbox, incident log, rollbacks', () => {
    expect(AlertNames).to.deep.equal([
      'IncidentOperatorNoLeader', 'IncidentOperatorInformerNotSynced', 'IncidentOperatorNotificationsFailing',
      'IncidentOperatorOutboxStuck', 'IncidentOperatorIncidentLogLagging', 'IncidentOperatorRollbacksFailing',
    ]);
  });

  it('the chart\'s rules file is up to date with src/observability/alert-rules.ts', () => {
    expect(readFileSync(RulesFile, 'utf8'), 'run: npx tsx scripts/render-observability.ts').to.equal(alertRulesYaml());
  });

  it('every expression names only metrics the operator exports', async () => {
    const exported = await exportedSeriesNames();
    for (const r of AlertRuleGroups.flatMap((g) => g.rules)) {
      const names = metricNamesIn(r.expr);
      expect(names, r.alert).to.not.be.empty;
      for (const n of names) expect(exported.has(n), `${r.alert} reads ${n}`).to.equal(true);
    }
  });

  it('metricNamesIn finds metric names, not functions, labels or durations', () => {
    expect(metricNamesIn('sum by (pod, le) (rate(a_total{outcome!="delivered", x=~"b|c"}[15m])) / on (pod) b_seconds offset 5m > 0 or vector(0)'))
      .to.deep.equal(['a_total', 'b_seconds']);
    expect(metricNamesIn('sum(increase(c_sum[$__range])) / sum(rate(c_count[${__rate_interval}]))')).to.deep.equal(['c_sum', 'c_count']);
  });

  it('every alert has a firing and a quiet promtool case', () => {
    const text = readFileSync(PromtoolTests, 'utf8');
    for (const name of AlertNames) {
      const blocks = text.split(/\n\s*- eval_time: /).filter((b) => new RegExp(`alertname: ${name}\\n`).test(b));
      expect(blocks.some((b) => /exp_alerts: \[\]/.test(b)), `${name}: a case where it stays quiet`).to.equal(true);
      expect(blocks.some((b) => /exp_labels:/.test(b)), `${name}: a case where it fires`).to.equal(true);
    }
  });

  describe('promtool', function () {
    this.timeout(60_000);
    const promtool = which('promtool');
    before(function () {
      if (!promtool) {
        console.log('    promtool not found (Debian package `prometheus`; scripts/bootstrap.sh installs it): skipping promtool checks');
        this.skip();
      }
    });

    it('promtool check rules: the rules file is valid', () => {
      const r = spawnSync(promtool!, ['check', 'rules', RulesFile], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include(`SUCCESS: ${AlertNames.length} rules found`);
    });

    it('promtool test rules: every alert fires when it should and stays quiet otherwise', () => {
      const r = spawnSync(promtool!, ['test', 'rules', PromtoolTests], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include('SUCCESS');
    });
  });
});
