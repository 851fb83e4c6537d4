/**
 * The Helm chart (charts/incident-operator): lint, template for several value sets (the RBAC and NetworkPolicy it
 * renders are the ones of deploy/), deploy/ up to date with it, a server-side dry-run apply of the rendered
 * manifests and a real install on the local control plane (the operator's pods are simulated there).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestNamespace, deleteNamespace, getJson, kubectl, repoRoot, waitFor } from '../../harness/cluster.js';
import { ChartDir, find, helm, helmBinary, helmTemplate, manifestObjects, type K8sObject } from '../../harness/helm.js';
import { namespacedRbacYaml } from '../../harness/rbac-variants.js';

const OperatorNs = 'incident-operator-system';
const all = { 'alertmanager.intake.enabled': 'true', 'incidentLog.secret.name': 'incident-log-db', 'serviceMonitor.enabled': 'true', 'prometheusRule.enabled': 'true', 'grafanaDashboard.enabled': 'true' };

const podSpecs = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.spec);
const envOf = (d: K8sObject) => Object.fromEntries(d.spec.template.spec.containers[0].env.filter((e: K8sObject) => e.value !== undefined).map((e: K8sObject) => [e.name, e.value]));
const strip = (o: K8sObject) => { const c = structuredClone(o); delete c.metadata.labels; delete c.metadata.annotations; return c; };

/** The prometheus-operator kinds the chart can render, as schemaless stand-in CRDs (the test cluster has none). */
const MonitoringCrds = ['servicemonitors:ServiceMonitor', 'prometheusrules:PrometheusRule'].map((s) => {
  const [plural, kind] = s.split(':');
  return `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ${plural}.monitoring.coreos.com}\nspec:\n  group: monitoring.coreos.com\n  scope: Namespaced\n  names: {plural: ${plural}, kind: ${kind}}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n`;
}).join('---\n');

describe('packaging: the Helm chart', function () {
  this.timeout(600_000);
  before(async () => {
    helmBinary();
    const r = await kubectl(['apply', '-f', '-'], { input: MonitoringCrds });
    expect(r.code, r.stderr).to.equal(0);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com']);
  });

  describe('helm lint', () => {
    const sets: Record<string, Record<string, string>> = {
      defaults: {},
      namespaced: { 'watchNamespaces[0]': 'shop', 'watchNamespaces[1]': 'billing' },
      everything: all,
      'one replica': { replicaCount: '1' },
    };
    for (const [name, set] of Object.entries(sets)) {
      it(`--strict passes: ${name}`, async () => {
        const args = ['lint', ChartDir, '--strict', ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
        const r = await helm(args);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout).to.include('1 chart(s) linted, 0 chart(s) failed');
      });
    }
  });

  describe('helm template', () => {
    it('defaults: the objects of deploy/ (cluster-wide RBAC, NetworkPolicy, restricted pods), no monitoring objects', async () => {
      const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs) });
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(kinds).to.deep.equal([
        'ClusterRole/incident-operator', 'ClusterRoleBinding/incident-operator', 'Deployment/incident-operator', 'NetworkPolicy/incident-operator',
        'PodDisruptionBudget/incident-operator', 'Role/incident-operator-leader-election', 'RoleBinding/incident-operator-leader-election',
        'Service/incident-operator', 'ServiceAccount/incident-operator',
      ]);
      const hand = await manifestObjects({ files: [join(repoRoot, 'deploy/network-policy.yaml')] });
      expect(strip(find(objects, 'NetworkPolicy', 'incident-operator')).spec, 'the chart\'s NetworkPolicy is deploy/network-policy.yaml\'s').to.deep.equal(find(hand, 'NetworkPolicy', 'incident-operator').spec);
      const [pod] = podSpecs(objects);
      expect(pod.securityContext).to.deep.equal({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers[0].securityContext).to.deep.equal({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(find(objects, 'Deployment', 'incident-operator').metadata.labels).to.include({ 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'incident-operator-0.1.0' });
    });

    it('watchNamespaces: a Role per watched namespace and no cluster-wide access (the rules of deploy/rbac-namespaced/)', async () => {
      const watched = ['shop', 'billing'];
      const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, {}, { watchNamespaces: watched }) });
      const hand = await manifestObjects({ yaml: namespacedRbacYaml(OperatorNs, watched) });
      const rbacKinds = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
      const names = (os: K8sObject[]) => os.filter((o) => rbacKinds.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
      expect(names(objects)).to.deep.equal(names(hand));
      for (const h of hand.filter((o) => rbacKinds.includes(o.kind))) {
        const c = find(objects, h.kind, h.metadata.name, h.metadata.namespace);
        const what = `${h.kind} ${h.metadata.namespace ?? ''}/${h.metadata.name}`;
        if (h.rules) expect(c.rules, what).to.deep.equal(h.rules);
        else expect({ roleRef: c.roleRef, subjects: c.subjects }, what).to.deep.equal({ roleRef: h.roleRef, subjects: h.subjects });
      }
      // No ClusterRole grants anything but the watched Namespace objects by name.
      for (const cr of objects.filter((o) => o.kind === 'ClusterRole')) {
        expect(cr.rules.map((r: K8sObject) => `${r.resources.join()}:${(r.resourceNames ?? []).join()}`)).to.have.members([`namespaces:${cr.metadata.name.replace('incident-operator-namespace-', '')}`]);
      }
      expect(envOf(find(objects, 'Deployment', 'incident-operator')).WATCH_NAMESPACES).to.equal('shop,billing');
      const withAuth = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, { 'prometheus.url': 'http://prometheus.monitoring:9090', 'prometheus.authSecret': 'prom-auth' }, { watchNamespaces: watched }) });
      expect(find(withAuth, 'Role', 'incident-operator-defaults', OperatorNs).rules[1].resourceNames).to.deep.equal(['incident-operator-notifications', 'prom-auth']);
      expect(envOf(find(withAuth, 'Deployment', 'incident-operator'))).to.include({ PROMETHEUS_URL: 'http://prometheus.monitoring:9090', PROMETHEUS_AUTH_SECRET: 'prom-auth' });
    });

    it('everything on: intake, incident log, ServiceMonitor, PrometheusRule and the dashboard ConfigMap', async () => {
      const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, all) });
      const d = find(objects, 'Deployment', 'incident-operator');
      const env = envOf(d);
      expect(env).to.include({ ALERTMANAGER_PORT: '9095', ALERTMANAGER_TOKEN_FILE: '/var/run/secrets/alertmanager/token', INCIDENT_LOG_DATABASE_URL_FILE: '/var/run/secrets/incident-log/url' });
      expect(d.spec.template.spec.volumes.map((v: K8sObject) => v.secret.secretName)).to.deep.equal(['incident-operator-alertmanager', 'incident-log-db']);
      const policy = find(objects, 'NetworkPolicy', 'incident-operator');
      const intake = policy.spec.ingress.find((r: K8sObject) => r.ports.some((p: K8sObject) => p.port === 9095));
      expect(intake.from).to.deep.equal([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager' } } }]);
      const sm = find(objects, 'ServiceMonitor', 'incident-operator');
      expect(sm.spec.endpoints).to.deep.equal([{ port: 'metrics', path: '/metrics', interval: '30s', honorLabels: false }]);
      const rule = find(objects, 'PrometheusRule', 'incident-operator');
      const ruleFile = readFileSync(join(ChartDir, 'files/alert-rules.yaml'), 'utf8');
      expect(rule.spec.groups[0].rules.map((r: K8sObject) => r.alert)).to.deep.equal([...ruleFile.matchAll(/- alert: (\S+)/g)].map((m) => m[1]));
      expect(rule.spec.groups[0].rules[1].annotations.summary, 'alert templates are not Helm-templated').to.include('{{ $labels.informer }}');
      const cm = find(objects, 'ConfigMap', 'incident-operator-dashboard');
      expect(cm.metadata.labels.grafana_dashboard).to.equal('1');
      expect(JSON.parse(cm.data['incident-operator.json'])).to.deep.equal(JSON.parse(readFileSync(join(ChartDir, 'files/dashboards/incident-operator.json'), 'utf8')));
    });
  });

  it('the chart\'s CRDs are the repository\'s crds/ (installed by helm install, kept out of helm template)', async () => {
    const withCrds = await manifestObjects({ yaml: (await helm(['template', 'x', ChartDir, '--include-crds'])).stdout });
    const crds = withCrds.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
    expect(crds).to.deep.equal(['escalationpolicies.runbook.dev', 'incidents.runbook.dev']);
    const repo = await manifestObjects({ files: [join(repoRoot, 'crds')] });
    for (const c of repo) expect(find(withCrds, 'CustomResourceDefinition', c.metadata.name).spec).to.deep.equal(c.spec);
    expect((await manifestObjects({ yaml: await helmTemplate('x', OperatorNs) })).some((o) => o.kind === 'CustomResourceDefinition')).to.equal(false);
  });

  it('deploy/ is the chart\'s rendered default (scripts/render-deploy.sh --check)', () => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/render-deploy.sh'), '--check'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).to.equal(0);
  });

  describe('on the local control plane', () => {
    const suffix = randomBytes(3).toString('hex');
    const release = `pkg-${suffix}`;
    let ns = '';
    let watched = '';
    before(async () => {
      ns = await createTestNamespace('pkg-operator');
      watched = await createTestNamespace('pkg-watched');
    });
    after(async () => {
      await helm(['uninstall', release, '--namespace', ns, '--wait=false']);
      await deleteNamespace(ns);
      await deleteNamespace(watched);
    });

    for (const [name, set, json] of [
      ['defaults', {}, {}],
      ['namespaced, everything on', all, { watchNamespaces: ['WATCHED'] }],
    ] as const) {
      it(`server-side dry-run apply accepts every rendered object: ${name}`, async () => {
        const watchJson = 'watchNamespaces' in json ? { watchNamespaces: [watched] } : {};
        const yaml = await helmTemplate(`dry-${suffix}`, ns, set, watchJson);
        const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml });
        expect(r.code, r.stderr).to.equal(0);
        const applied = r.stdout.split('\n').filter((l) => l.includes('(server dry run)'));
        expect(applied.length).to.equal((await manifestObjects({ yaml })).length);
      });
    }

    it('helm install: the objects exist, the Deployment rolls out (simulated pods), the ServiceAccount has only the namespaced rights', async () => {
      const r = await helm(['install', release, ChartDir, '--namespace', ns, '--set', `watchNamespaces[0]=${watched}`, '--set', 'replicaCount=1', '--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboard.enabled=true']);
      expect(r.code, r.stderr).to.equal(0);
      const fullname = `${release}-incident-operator`;
      const status = await helm(['status', release, '--namespace', ns, '-o', 'json']);
      expect(JSON.parse(status.stdout).info.status).to.equal('deployed');
      for (const [kind, name, where] of [
        ['deployment', fullname, ns], ['service', fullname, ns], ['serviceaccount', fullname, ns], ['networkpolicy', fullname, ns],
        ['role', `${fullname}-leader-election`, ns], ['role', fullname, watched], ['rolebinding', fullname, watched],
        ['prometheusrule', fullname, ns], ['configmap', `${fullname}-dashboard`, ns],
      ] as const) {
        expect((await kubectl(['get', kind, name, '-n', where])).code, `${kind} ${where}/${name}`).to.equal(0);
      }
      expect((await kubectl(['get', 'clusterrole', `${fullname}-namespace-${watched}`])).code).to.equal(0);
      expect((await kubectl(['get', 'clusterrole', fullname])).code, 'no cluster-wide ClusterRole when namespaced').to.not.equal(0);
      const rolledOut = await waitFor('the Deployment rolled out', async () => {
        const d = await getJson(['get', 'deployment', fullname, '-n', ns]);
        return d.status?.readyReplicas === 1 ? d : undefined;
      }, 120_000, 500);
      expect(rolledOut.spec.template.spec.securityContext.runAsNonRoot).to.equal(true);
      const sa = `system:serviceaccount:${ns}:${fullname}`;
      const can = async (verb: string, resource: string, where: string) => (await kubectl(['auth', 'can-i', verb, resource, '-n', where, `--as=${sa}`])).stdout.trim();
      expect(await can('patch', 'deployments.apps', watched)).to.equal('yes');
      expect(await can('list', 'pods', watched)).to.equal('yes');
      expect(await can('list', 'pods', 'default')).to.equal('no');
      expect(await can('get', 'secrets', 'default')).to.equal('no');
      expect(await can('update', 'leases.coordination.k8s.io', ns)).to.equal('yes');
    });
  });
});
