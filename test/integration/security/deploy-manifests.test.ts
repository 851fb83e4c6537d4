/**
 * deploy/ on the real API server: every manifest passes a server-side dry-run apply (schema, admission), the
 * NetworkPolicy admits exactly the ports the operator's Deployment listens on, and the namespaced RBAC variant
 * applies for a watched namespace.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kubectl, repoRoot } from '../../harness/cluster.js';
import { namespacedRbacYaml } from '../../harness/rbac-variants.js';

type Json = any;

async function asObjects(file: string): Promise<Json[]> {
  const r = await kubectl(['create', '--dry-run=client', '-o', 'json', '-f', join(repoRoot, file)]);
  expect(r.code, r.stderr).to.equal(0);
  // One JSON document per object, concatenated.
  return r.stdout.split(/\n(?=\{)/).filter((d) => d.trim()).flatMap((d) => { const o = JSON.parse(d); return o.kind === 'List' ? o.items : [o]; });
}

describe('security: deploy/ manifests (server-side dry run)', () => {
  it('kubectl apply --dry-run=server -f deploy/network-policy.yaml is accepted', async () => {
    const r = await kubectl(['apply', '--dry-run=server', '-f', join(repoRoot, 'deploy/network-policy.yaml')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/networkpolicy\.networking\.k8s\.io\/incident-operator (created|configured|unchanged) \(server dry run\)/);
  });

  it('kubectl apply --dry-run=server -f deploy/ accepts every object', async () => {
    const r = await kubectl(['apply', '--dry-run=server', '-f', join(repoRoot, 'deploy')]);
    expect(r.code, r.stderr).to.equal(0);
    for (const kind of ['networkpolicy.networking.k8s.io/incident-operator', 'deployment.apps/incident-operator', 'service/incident-operator', 'clusterrole.rbac.authorization.k8s.io/incident-operator']) {
      expect(r.stdout).to.include(kind);
    }
  });

  it('the namespaced RBAC variant is accepted for a watched namespace', async () => {
    const ns = `sec-dry-${randomBytes(3).toString('hex')}`;
    const yaml = `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n---\n${namespacedRbacYaml('incident-operator-system', [ns])}`;
    // Server dry run cannot create the namespace for the Roles in it: create it for real, then dry-run the rest.
    expect((await kubectl(['create', 'namespace', ns])).code).to.equal(0);
    try {
      const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`role.rbac.authorization.k8s.io/incident-operator`);
      expect(r.stdout).to.include(`clusterrole.rbac.authorization.k8s.io/incident-operator-namespace-${ns}`);
    } finally {
      await kubectl(['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('the NetworkPolicy admits exactly the ports the Deployment listens on, and egress to DNS, API server, PostgreSQL, HTTPS', async () => {
    const policy = (await asObjects('deploy/network-policy.yaml')).find((o) => o.kind === 'NetworkPolicy');
    const deployment = (await asObjects('deploy/operator.yaml')).find((o) => o.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    const containerPorts = container.ports.map((p: Json) => p.containerPort).sort();
    const env = Object.fromEntries(container.env.filter((e: Json) => e.value !== undefined).map((e: Json) => [e.name, e.value]));
    expect(containerPorts).to.deep.equal([Number(env.METRICS_PORT), Number(env.PROBE_PORT)].sort());
    const ingressPorts = policy.spec.ingress.flatMap((r: Json) => r.ports.map((p: Json) => p.port)).sort();
    expect(ingressPorts).to.deep.equal(containerPorts);
    expect(policy.spec.policyTypes).to.deep.equal(['Ingress', 'Egress']);
    expect(policy.spec.podSelector.matchLabels).to.deep.equal(deployment.spec.template.metadata.labels);
    const egressPorts = new Set(policy.spec.egress.flatMap((r: Json) => r.ports.map((p: Json) => `${p.protocol}/${p.port}`)));
    expect([...egressPorts].sort()).to.deep.equal(['TCP/443', 'TCP/53', 'TCP/5432', 'TCP/6443', 'UDP/53']);
    // Metrics only from the monitoring namespace; the public-HTTPS rule excludes private ranges.
    const metricsRule = policy.spec.ingress.find((r: Json) => r.ports.some((p: Json) => p.port === Number(env.METRICS_PORT)));
    expect(metricsRule.from).to.deep.equal([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const publicHttps = policy.spec.egress.find((r: Json) => r.to.some((t: Json) => t.ipBlock?.cidr === '0.0.0.0/0'));
    expect(publicHttps.ports).to.deep.equal([{ protocol: 'TCP', port: 443 }]);
    expect(publicHttps.to[0].ipBlock.except).to.include.members(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });
});
