/** Smoke tests that prove the local control plane is real (issue: local control plane). */
import { expect } from 'chai';
import {
  applyYaml, createTestNamespace, serviceAccountKubeconfig, deleteNamespace, getJson, kubectl, kubectlSync, waitFor,
} from '../../harness/cluster.js';
import { deploymentYaml } from '../../harness/workloads.js';
import { simulateNamespaceLogs } from '../../harness/simulated-logs.js';

describe('local control plane (smoke)', function () {
  let ns: string;
  before(async () => { ns = await createTestNamespace('smoke'); });
  after(async () => { await deleteNamespace(ns); });

  it('reports the pinned Kubernetes version and has at least 2 ready simulated nodes', async () => {
    const version = JSON.parse(kubectlSync(['get', '--raw', '/version']));
    expect(version.gitVersion).to.equal('v1.36.1');
    const nodes = await getJson<{ items: any[] }>(['get', 'nodes']);
    const ready = nodes.items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    expect(ready.length).to.be.at.least(2);
  });

  it('runs a 3-replica Deployment to 3 Running and Ready pods and Available', async () => {
    await applyYaml(deploymentYaml({ name: 'web', namespace: ns, replicas: 3 }));
    await waitFor('deployment web Available', async () => {
      const d = await getJson(['get', 'deployment', 'web', '-n', ns]);
      return d.status?.conditions?.some((c: any) => c.type === 'Available' && c.status === 'True') && d.status.readyReplicas === 3;
    }, 60_000);
    const pods = await getJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', 'app=web']);
    expect(pods.items).to.have.length(3);
    for (const p of pods.items) {
      expect(p.status.phase).to.equal('Running');
      expect(p.status.conditions.find((c: any) => c.type === 'Ready').status).to.equal('True');
      expect(p.spec.nodeName).to.be.a('string').and.not.empty;
    }
  });

  it('creates revision 2 on an image change, and rollout undo yields revision 3 with the revision-1 template', async () => {
    await applyYaml(deploymentYaml({ name: 'hist', namespace: ns, replicas: 1, image: 'example.test/app:1' }));
    await waitFor('revision 1', async () => (await getJson(['get', 'deployment', 'hist', '-n', ns])).metadata.annotations?.['deployment.kubernetes.io/revision'] === '1');
    await applyYaml(deploymentYaml({ name: 'hist', namespace: ns, replicas: 1, image: 'example.test/app:2' }));
    await waitFor('revision 2', async () => (await getJson(['get', 'deployment', 'hist', '-n', ns])).metadata.annotations?.['deployment.kubernetes.io/revision'] === '2');
    const undo = await kubectl(['rollout', 'undo', 'deployment/hist', '-n', ns]);
    expect(undo.code, undo.stderr).to.equal(0);
    const d = await waitFor('revision 3', async () => {
      const d = await getJson(['get', 'deployment', 'hist', '-n', ns]);
      return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' ? d : undefined;
    });
    expect(d.spec.template.spec.containers[0].image).to.equal('example.test/app:1');
    const rss = await getJson<{ items: any[] }>(['get', 'replicasets', '-n', ns, '-l', 'app=hist']);
    const revs = rss.items.map((r) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort();
    expect(revs).to.deep.equal(['2', '3']); // revision 1's ReplicaSet was reused and renumbered 3
  });

  it('drives a crash-loop-labelled pod into CrashLoopBackOff with restartCount >= 3', async () => {
    await applyYaml(deploymentYaml({ name: 'crashy', namespace: ns, replicas: 1, crashLoop: true }));
    const pod = await waitFor('CrashLoopBackOff with 3 restarts', async () => {
      const pods = await getJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', 'app=crashy']);
      return pods.items.find((p) => {
        const cs = p.status?.containerStatuses?.[0];
        return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && cs.restartCount >= 3;
      });
    }, 60_000, 500);
    const cs = pod.status.containerStatuses[0];
    expect(cs.lastState.terminated.exitCode).to.equal(1);
    expect(cs.ready).to.equal(false);
  });

  it('serves simulated container logs for kubectl logs and kubectl logs --previous', async () => {
    await simulateNamespaceLogs(ns, ['INFO started', 'ERROR connect ECONNREFUSED 10.0.0.7:5432'], ['FATAL previous container died']);
    const pods = await getJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', 'app=crashy']);
    const name = pods.items[0].metadata.name;
    const logs = await waitFor('kubectl logs', async () => {
      const r = await kubectl(['logs', '-n', ns, name]);
      return r.code === 0 && r.stdout.includes('ECONNREFUSED') ? r.stdout : undefined;
    }, 30_000, 500);
    expect(logs).to.include('ERROR connect ECONNREFUSED 10.0.0.7:5432');
    const prev = await kubectl(['logs', '--previous', '-n', ns, name]);
    expect(prev.code, prev.stderr).to.equal(0);
    expect(prev.stdout).to.include('FATAL previous container died');
  });

  it('enforces RBAC: a ServiceAccount token without a RoleBinding gets 403 listing pods', async () => {
    kubectlSync(['create', 'serviceaccount', 'nobody', '-n', ns]);
    const r = await kubectl(['get', 'pods', '-n', ns], { kubeconfig: serviceAccountKubeconfig('nobody', ns) });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/forbidden/i);
    expect(r.stderr).to.include(`system:serviceaccount:${ns}:nobody`);
  });
});
