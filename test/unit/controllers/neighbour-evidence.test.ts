/**
 * Neighbour evidence for the shared-cause rule, StatefulSets included: a StatefulSet in the namespace whose pods
 * crash-loop on an older ControllerRevision (one that ran before) is evidence that rolling the target back would
 * not help; one failing only on its update revision is its own release; one the operator rolled back is not
 * evidence (its bad pods are still going away). Before this, StatefulSet neighbours were not looked at at all.
 */
import { expect } from 'chai';
import type { KubePod } from '../../../src/decide/kube-types.js';
import type { KubeControllerRevision, KubeStatefulSet } from '../../../src/decide/statefulset-rollback.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';
import { neighbourEvidence } from '../../../src/controllers/neighbour-evidence.js';
import { crashLoopingNeighbours } from '../../../src/controllers/target-snapshot.js';
import { cr, pod, sts } from '../decide/statefulset-fixtures.js';
import { aDeployment, aPod, aReplicaSet, aTemplate, NS } from '../decide/rollback-fixtures.js';

function cache<T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]): ReadCache<T> {
  return {
    get: (ns, name) => items.find((i) => i.metadata?.namespace === ns && i.metadata?.name === name),
    list: (ns) => items.filter((i) => ns === undefined || i.metadata?.namespace === ns),
  };
}

function world(statefulSets: KubeStatefulSet[], pods: KubePod[], revisions: KubeControllerRevision[] = [cr(1, 'db:1'), cr(2, 'db:2')]): Caches {
  return {
    incidents: cache([]), deployments: cache([]), replicaSets: cache([]), namespaces: cache([]), policies: cache([]),
    pods: cache(pods), statefulSets: cache(statefulSets), controllerRevisions: cache(revisions),
  };
}

describe('controllers/neighbour-evidence: StatefulSet neighbours', () => {
  it('a StatefulSet crash-looping on its older (current) revision is evidence of a shared cause', () => {
    const caches = world([sts()], [pod(0, 'db-h1', 'crashloop'), pod(1, 'db-h2', 'ready')]);
    expect(neighbourEvidence(caches, 'shop', [], 3, ['db'])).to.deep.equal({ olderRevisionsFailing: ['statefulset/db'], newestRevisionOnly: [] });
  });

  it('a StatefulSet crash-looping on its update revision only is its own release: no evidence', () => {
    const caches = world([sts()], [pod(0, 'db-h1', 'ready'), pod(1, 'db-h2', 'crashloop')]);
    expect(neighbourEvidence(caches, 'shop', [], 3, ['db'])).to.deep.equal({ olderRevisionsFailing: [], newestRevisionOnly: ['statefulset/db'] });
  });

  it('a StatefulSet the operator rolled back is no evidence while its bad pods go away', () => {
    const caches = world([sts({ annotations: { 'runbook.dev/rolled-back-by': 'uid-x/r1' } })], [pod(0, 'db-h1', 'crashloop'), pod(1, 'db-h2', 'ready')]);
    expect(neighbourEvidence(caches, 'shop', [], 3, ['db'])).to.deep.equal({ olderRevisionsFailing: [], newestRevisionOnly: ['statefulset/db'] });
  });

  it('crashLoopingNeighbours: crash-looping StatefulSets of the namespace, the target left out of its own kind only', () => {
    const caches = world([sts()], [pod(0, 'db-h1', 'crashloop'), pod(1, 'db-h2', 'ready'), pod(0, 'db-h1', 'crashloop', 'cache'), pod(0, 'x', 'ready', 'quiet')]);
    expect(crashLoopingNeighbours(caches, 'shop', undefined, 3)).to.deep.equal({ deployments: [], statefulSets: ['cache', 'db'] });
    expect(crashLoopingNeighbours(caches, 'shop', { kind: 'StatefulSet', name: 'db' }, 3).statefulSets).to.deep.equal(['cache']);
    expect(crashLoopingNeighbours(caches, 'shop', { kind: 'Deployment', name: 'db' }, 3).statefulSets).to.deep.equal(['cache', 'db']);
    expect(crashLoopingNeighbours(caches, 'other-ns', undefined, 3)).to.deep.equal({ deployments: [], statefulSets: [] });
  });

  it('crashLoopingNeighbours: crash-looping Deployments by their ReplicaSets, the target left out, in the same pass', () => {
    const web = aDeployment({ name: 'web', uid: 'uid-web', revision: 2 });
    const api = aDeployment({ name: 'api', uid: 'uid-api', revision: 3 });
    const webRs = aReplicaSet(2, aTemplate(), { deployment: web });
    const apiRs = aReplicaSet(3, aTemplate(), { deployment: api });
    const caches: Caches = {
      incidents: cache([]), namespaces: cache([]), policies: cache([]), statefulSets: cache([]), controllerRevisions: cache([]),
      deployments: cache([web, api]), replicaSets: cache([webRs, apiRs]),
      pods: cache([aPod(webRs, { waiting: 'CrashLoopBackOff', restarts: 5 }), aPod(apiRs, { waiting: 'CrashLoopBackOff', restarts: 5 })]),
    };
    expect(crashLoopingNeighbours(caches, NS, { kind: 'Deployment', name: 'api' }, 3)).to.deep.equal({ deployments: ['web'], statefulSets: [] });
    expect(crashLoopingNeighbours(caches, NS, { kind: 'StatefulSet', name: 'api' }, 3).deployments).to.deep.equal(['api', 'web']);
  });
});
