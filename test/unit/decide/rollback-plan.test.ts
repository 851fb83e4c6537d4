import { expect } from 'chai';
import type { KubeDeployment, KubePodTemplateSpec, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import {
  ROLLBACK_ANNOTATIONS_TO_SKIP,
  planRollback,
  rollbackAnnotations,
  type RollbackPlan,
} from '../../../src/decide/rollback-plan.js';
import { aDeployment, aReplicaSet, aTemplate, deepCopy, deepFreeze } from './rollback-fixtures.js';

const LA = 'kubectl.kubernetes.io/last-applied-configuration';
const REV = 'deployment.kubernetes.io/revision';
const HIST = 'deployment.kubernetes.io/revision-history';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const CAUSE = 'kubernetes.io/change-cause';
const DEPRECATED = 'deprecated.deployment.rollback.to';

function patchOf(plan: RollbackPlan) {
  if (plan.action !== 'Patch') throw new Error(`expected Patch, got ${plan.action}: ${plan.message}`);
  return plan;
}

describe('decide/rollback-plan', () => {
  describe('rollbackAnnotations (kubectl annotationsToSkip algorithm)', () => {
    const cases: {
      name: string;
      deployment: Record<string, string> | undefined;
      rs: Record<string, string> | undefined;
      want: Record<string, string>;
    }[] = [
      {
        name: 'keeps the deployment\'s skipped keys, drops its other keys, adds the RS\'s non-skipped keys',
        deployment: { [LA]: 'la-dep', [REV]: '5', [HIST]: '2,4', [DESIRED]: '3', [MAX]: '4', team: 'dep-only', [CAUSE]: 'deploy bad' },
        rs: { [LA]: 'la-rs', [REV]: '2', [HIST]: '1', [DESIRED]: '2', [MAX]: '3', [DEPRECATED]: '1', [CAUSE]: 'deploy good', custom: 'rs' },
        want: { [LA]: 'la-dep', [REV]: '5', [HIST]: '2,4', [DESIRED]: '3', [MAX]: '4', [CAUSE]: 'deploy good', custom: 'rs' },
      },
      {
        name: 'a skipped key missing on the deployment is not taken from the RS',
        deployment: { [REV]: '5' },
        rs: { [REV]: '2', [LA]: 'la-rs', [MAX]: '3', other: 'x' },
        want: { [REV]: '5', other: 'x' },
      },
      {
        name: 'deployment without annotations, RS with only its revision',
        deployment: undefined,
        rs: { [REV]: '2' },
        want: {},
      },
      {
        name: 'RS without annotations keeps only the deployment\'s skipped keys',
        deployment: { [REV]: '7', [DEPRECATED]: '3', x: 'y' },
        rs: undefined,
        want: { [REV]: '7', [DEPRECATED]: '3' },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const deployment: KubeDeployment = { metadata: { name: 'd', ...(c.deployment ? { annotations: c.deployment } : {}) } };
        const rs: KubeReplicaSet = { metadata: { name: 'rs', ...(c.rs ? { annotations: c.rs } : {}) } };
        expect(rollbackAnnotations(deepFreeze(deployment), deepFreeze(rs))).to.deep.equal(c.want);
      });
    }

    it('skip list matches kubectl', () => {
      expect([...ROLLBACK_ANNOTATIONS_TO_SKIP].sort()).to.deep.equal([DEPRECATED, REV, DESIRED, HIST, MAX, LA].sort());
    });
  });

  describe('planRollback refusals and skips', () => {
    const good = aTemplate({ image: 'registry.local/api:1.0.0' });
    const bad = aTemplate({ image: 'registry.local/api:2.0.0' });
    const cases: {
      name: string;
      deployment: KubeDeployment;
      replicaSets: KubeReplicaSet[];
      target: number;
      want: Partial<RollbackPlan>;
    }[] = [
      {
        name: 'paused deployment is refused',
        deployment: aDeployment({ revision: 3, template: bad, paused: true }),
        replicaSets: [aReplicaSet(2, good), aReplicaSet(3, bad)],
        target: 2,
        want: { action: 'Refuse', reason: 'DeploymentPaused' },
      },
      {
        name: 'unknown revision is refused',
        deployment: aDeployment({ revision: 3, template: bad }),
        replicaSets: [aReplicaSet(2, good), aReplicaSet(3, bad)],
        target: 9,
        want: { action: 'Refuse', reason: 'RevisionNotFound' },
      },
      {
        name: 'revision 0 is not "previous" here: refused',
        deployment: aDeployment({ revision: 3, template: bad }),
        replicaSets: [aReplicaSet(2, good), aReplicaSet(3, bad)],
        target: 0,
        want: { action: 'Refuse', reason: 'RevisionNotFound' },
      },
      {
        name: 'a ReplicaSet controlled by another deployment does not count',
        deployment: aDeployment({ revision: 3, template: bad }),
        replicaSets: [aReplicaSet(2, good, { ownerUid: 'someone-else' }), aReplicaSet(3, bad)],
        target: 2,
        want: { action: 'Refuse', reason: 'RevisionNotFound' },
      },
      {
        name: 'a non-controller owner reference does not count',
        deployment: aDeployment({ revision: 3, template: bad }),
        replicaSets: [aReplicaSet(2, good, { controller: false }), aReplicaSet(3, bad)],
        target: 2,
        want: { action: 'Refuse', reason: 'RevisionNotFound' },
      },
      {
        name: 'a ReplicaSet without a pod template is never restored',
        deployment: aDeployment({ revision: 3, template: bad }),
        replicaSets: [{ ...aReplicaSet(2, good), spec: { replicas: 0 } }, aReplicaSet(3, bad)],
        target: 2,
        want: { action: 'Refuse', reason: 'RevisionNotFound' },
      },
      {
        name: 'target template equal to the current one is skipped',
        deployment: aDeployment({ revision: 3, template: good }),
        replicaSets: [aReplicaSet(2, good), aReplicaSet(3, good)],
        target: 2,
        want: { action: 'Skip', reason: 'AlreadyAtRevision', message: 'skipped rollback: already at revision 2' },
      },
      {
        name: 'missing resourceVersion is refused (no optimistic-concurrency test possible)',
        deployment: aDeployment({ revision: 3, template: bad, resourceVersion: null }),
        replicaSets: [aReplicaSet(2, good), aReplicaSet(3, bad)],
        target: 2,
        want: { action: 'Refuse', reason: 'MissingResourceVersion' },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const plan = planRollback(deepFreeze(c.deployment), deepFreeze(c.replicaSets), c.target);
        expect(plan).to.include(c.want);
      });
    }
  });

  describe('template equality is semantic (ignoring pod-template-hash)', () => {
    const base = (): Record<string, unknown> => ({
      metadata: { labels: { app: 'api' } },
      spec: { containers: [{ name: 'api', image: 'img:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
    });
    const variants: { name: string; current: unknown; target: unknown; equal: boolean }[] = [
      {
        name: 'different key order',
        current: base(),
        target: {
          spec: { containers: [{ resources: { limits: { memory: '1Gi', cpu: '1' } }, image: 'img:1', name: 'api' }] },
          metadata: { labels: { app: 'api' } },
        },
        equal: true,
      },
      {
        name: 'missing vs empty annotations map',
        current: base(),
        target: { ...base(), metadata: { labels: { app: 'api' }, annotations: {} } },
        equal: true,
      },
      {
        name: 'missing vs empty env list and null field',
        current: base(),
        target: {
          metadata: { labels: { app: 'api' }, creationTimestamp: null },
          spec: { containers: [{ name: 'api', image: 'img:1', env: [], resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
        },
        equal: true,
      },
      {
        name: 'equal quantities in different notation',
        current: base(),
        target: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'img:1', resources: { limits: { cpu: '1000m', memory: '1024Mi' } } }] },
        },
        equal: true,
      },
      {
        name: 'different quantity',
        current: base(),
        target: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'img:1', resources: { limits: { cpu: '2', memory: '1Gi' } } }] },
        },
        equal: false,
      },
      {
        name: 'different image',
        current: base(),
        target: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'img:2', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
        },
        equal: false,
      },
      {
        name: 'list order matters',
        current: { ...base(), spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
        target: { ...base(), spec: { containers: [{ name: 'b' }, { name: 'a' }] } },
        equal: false,
      },
      {
        name: 'an extra label is a difference',
        current: base(),
        target: { ...base(), metadata: { labels: { app: 'api', tier: 'web' } } },
        equal: false,
      },
      {
        name: 'a string that looks like a quantity outside resources compares as a string',
        current: { ...base(), spec: { containers: [{ name: 'api', env: [{ name: 'X', value: '1' }] }] } },
        target: { ...base(), spec: { containers: [{ name: 'api', env: [{ name: 'X', value: '1000m' }] }] } },
        equal: false,
      },
    ];
    for (const v of variants) {
      it(`${v.name} -> ${v.equal ? 'Skip' : 'Patch'}`, () => {
        const deployment = aDeployment({ revision: 3, template: v.current as KubePodTemplateSpec });
        const rs = aReplicaSet(2, v.target as KubePodTemplateSpec);
        const plan = planRollback(deepFreeze(deployment), deepFreeze([rs, aReplicaSet(3, v.current as KubePodTemplateSpec)]), 2);
        expect(plan.action).to.equal(v.equal ? 'Skip' : 'Patch');
      });
    }
  });

  describe('planRollback patch', () => {
    const good = aTemplate({ image: 'registry.local/api:1.0.0', env: [{ name: 'MODE', value: 'safe' }] });
    const bad = aTemplate({ image: 'registry.local/api:2.0.0' });
    const makeInputs = () => {
      const deployment = aDeployment({
        revision: 3,
        template: bad,
        resourceVersion: '98765',
        annotations: { [LA]: '{"kind":"Deployment"}', [CAUSE]: 'bad deploy', note: 'dep' },
      });
      const replicaSets = [
        aReplicaSet(1, aTemplate({ image: 'registry.local/api:0.9.0' }), { deployment }),
        aReplicaSet(2, good, { deployment, hash: 'goodhash', annotations: { [CAUSE]: 'good deploy', [DESIRED]: '3' } }),
        aReplicaSet(3, bad, { deployment }),
      ];
      return { deployment, replicaSets };
    };

    it('is [test resourceVersion, replace template without hash, replace annotations]', () => {
      const { deployment, replicaSets } = makeInputs();
      const plan = patchOf(planRollback(deployment, replicaSets, 2));
      expect(plan.fromRevision).to.equal(3);
      expect(plan.toRevision).to.equal(2);
      expect(plan.toReplicaSet).to.equal('patient-advocacy-api-goodhash');
      expect(plan.patch).to.deep.equal([
        { op: 'test', path: '/metadata/resourceVersion', value: '98765' },
        {
          op: 'replace',
          path: '/spec/template',
          value: {
            metadata: { labels: { app: 'api' } },
            spec: { containers: [{ name: 'api', image: 'registry.local/api:1.0.0', env: [{ name: 'MODE', value: 'safe' }] }] },
          },
        },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: { [LA]: '{"kind":"Deployment"}', [REV]: '3', [CAUSE]: 'good deploy' },
        },
      ]);
    });

    it('never mutates (deep-frozen) inputs and returns unshared values', () => {
      const { deployment, replicaSets } = makeInputs();
      const before = deepCopy({ deployment, replicaSets });
      deepFreeze(deployment);
      deepFreeze(replicaSets);
      const plan = patchOf(planRollback(deployment, replicaSets, 2));
      const template = plan.patch[1]?.value as { metadata: { labels: Record<string, string> } };
      template.metadata.labels['mutated'] = 'yes';
      (plan.patch[2]?.value as Record<string, string>)['mutated'] = 'yes';
      expect({ deployment, replicaSets }).to.deep.equal(before);
      expect(replicaSets[1]?.spec?.template?.metadata?.labels?.['pod-template-hash']).to.equal('goodhash');
    });

    it('uses add for annotations when the deployment has none', () => {
      const deployment = aDeployment({ template: bad, noAnnotations: true });
      const plan = patchOf(planRollback(deployment, [aReplicaSet(2, good, { deployment }), aReplicaSet(3, bad, { deployment })], 2));
      expect(plan.patch[2]).to.deep.equal({ op: 'add', path: '/metadata/annotations', value: {} });
      expect(plan.fromRevision).to.equal(3);
    });

    it('serialises Date timestamps (client-node objects) to RFC 3339 strings', () => {
      const withDate = { ...good, metadata: { ...good.metadata, creationTimestamp: new Date('2024-05-01T10:00:00Z') } };
      const deployment = aDeployment({ revision: 3, template: bad });
      const plan = patchOf(planRollback(deployment, [aReplicaSet(2, withDate), aReplicaSet(3, bad)], 2));
      const value = plan.patch[1]?.value as { metadata: { creationTimestamp: unknown } };
      expect(value.metadata.creationTimestamp).to.equal('2024-05-01T10:00:00Z');
    });
  });
});

