import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { AlertRuleGroups, metricNamesIn } from '../../../src/observability/alert-rules.js';
import { buildDashboard, dashboardQueries, DashboardRows, DashboardUid } from '../../../src/observability/dashboard.js';
import { dashboardJson, DashboardFile } from '../../../src/observability/render.js';
import { exportedSeriesNames, startTestPrometheus, which, withGrafanaVariables, type TestPrometheus } from '../../harness/test-prometheus.js';

interface JsonPanel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { expr: string; refId: string; datasource?: { uid?: string } }[] }

describe('observability/dashboard', () => {
  const dashboard = JSON.parse(dashboardJson()) as { uid: string; panels: JsonPanel[]; templating: { list: { name: string; type: string; query?: string }[] } };

  it('the chart\'s dashboard JSON is up to date with src/observability/dashboard.ts', () => {
    expect(readFileSync(DashboardFile, 'utf8'), 'run: npx tsx scripts/render-observability.ts').to.equal(dashboardJson());
  });

  it('has the rows people ask for, each panel with queries, unique ids, on the 24-column grid, without overlaps', () => {
    expect(dashboard.uid).to.equal(DashboardUid);
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).to.deep.equal(['Incidents', 'Remediation', 'Notifications', 'Operator health']);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.map((p) => p.title)).to.include.members(['Open incidents by severity', 'Open incidents by phase', 'MTTA by severity', 'MTTR by severity', 'SLA breaches', 'Rollbacks by outcome', 'Detection → rollback', 'Delivery attempts by target type and outcome']);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).to.equal(dashboard.panels.length);
    for (const p of panels) {
      expect(p.targets, p.title).to.not.be.empty;
      for (const t of p.targets!) expect(t.datasource?.uid, p.title).to.equal('${datasource}');
      expect(p.gridPos.x + p.gridPos.w, p.title).to.be.at.most(24);
    }
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).to.equal(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).to.deep.equal(['datasource:datasource']);
  });

  it('every query names only metrics the operator exports', async () => {
    const exported = await exportedSeriesNames();
    const queries = dashboardQueries();
    expect(queries.length).to.equal(DashboardRows.flatMap((r) => r.panels).reduce((n, p) => n + p.queries.length, 0));
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect(names, q.panel).to.not.be.empty;
      for (const n of names) expect(exported.has(n), `${q.panel} reads ${n}`).to.equal(true);
    }
    expect(buildDashboard().panels?.length).to.equal(dashboard.panels.length);
  });

  describe('every expression is valid PromQL (the query API of a real Prometheus)', function () {
    this.timeout(60_000);
    let prom: TestPrometheus | undefined;
    before(async function () {
      if (!which('prometheus')) {
        console.log('    prometheus not found (Debian package `prometheus`; scripts/bootstrap.sh installs it): skipping the PromQL checks');
        this.skip();
      }
      prom = await startTestPrometheus();
    });
    after(async () => { await prom?.stop(); });

    it('a parse error is reported (the check can fail)', async () => {
      const r = await prom!.query('sum by (severity (incident_operator_incidents)');
      expect(r.status).to.equal('error');
      expect(r.errorType).to.equal('bad_data');
    });

    it('dashboard queries and alert expressions parse', async () => {
      const exprs = [...dashboardQueries().map((q) => ({ what: q.panel, expr: q.expr })), ...AlertRuleGroups.flatMap((g) => g.rules.map((r) => ({ what: r.alert, expr: r.expr })))];
      for (const e of exprs) {
        const r = await prom!.query(withGrafanaVariables(e.expr));
        expect(r, `${e.what}: ${e.expr}`).to.deep.include({ status: 'success' });
      }
    });
  });
});
