import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import type { RemediationStatus } from '../../../src/api/remediation.js';
import { DEFAULT_OWNER_STRATEGY } from '../../../src/decide/owner-strategy.js';
import type { GitOpsObject, GitOpsSuspender } from '../../../src/remediate/gitops-suspend.js';
import { ownerStep, suspendForbidden } from '../../../src/remediate/owner-step.js';
import type { RemediationContext } from '../../../src/ports/remediation.js';
import { aDeployment, aReplicaSet, aTemplate, NS } from '../decide/rollback-fixtures.js';

const argoAnnotations = { 'argocd.argoproj.io/tracking-id': `shop-api:apps/Deployment:${NS}/api` };

function setup(annotations: Record<string, string>) {
  const deployment = aDeployment({ revision: 2, annotations, template: aTemplate({ image: 'bad' }) });
  const replicaSets = [aReplicaSet(1, aTemplate({ image: 'good' }), { deployment }), aReplicaSet(2, aTemplate({ image: 'bad' }), { deployment })];
  const incident = { apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'outage', namespace: NS, uid: 'u1' }, spec: { severity: 'P1', summary: 's', target: { kind: 'Deployment', name: 'api' } } } as unknown as Incident;  
  const ctx = { incident, status: {}, now: new Date('2026-12-01T09:00:00Z') } as unknown as RemediationContext;  
  return { deployment, replicaSets, ctx };
}

function suspender(read: () => Promise<GitOpsObject>): GitOpsSuspender {
   
  return { read, suspend: () => Promise.reject(new Error('not called')), restore: () => Promise.reject(new Error('not called')) } as unknown as GitOpsSuspender;
}
const forbidden = () => Promise.reject(Object.assign(new Error('applications.argoproj.io is forbidden'), { code: 403 }));
const none: RemediationStatus = { state: 'None' };

describe('remediate/owner-step: strategy per policy, and RBAC', () => {
  it('a policy opt-in records the suspension and which policy chose it, although the operator config says Instruct', async () => {
    const { deployment, replicaSets, ctx } = setup(argoAnnotations);
    const r = await ownerStep({ config: DEFAULT_OWNER_STRATEGY, gitops: suspender(() => Promise.resolve({ spec: { syncPolicy: { automated: { selfHeal: true } } }, history: [] })), policies: [{ policy: `${NS}/default`, ownerRollback: { argoCD: 'SuspendAutoSync' } }] }, ctx, none, deployment, replicaSets, 1);
    expect(r.refusal).to.equal(undefined);
    expect(r.gitops).to.include({ kind: 'Application', name: 'shop-api', namespace: 'argocd', field: 'spec.syncPolicy.automated', previous: '{"selfHeal":true}' });
    expect(r.ownerStrategy).to.include({ owner: 'ArgoCD', strategy: 'SuspendAutoSync', source: 'EscalationPolicy', policy: `${NS}/default` });
  });

  it('the annotation Instruct overrides the policy: refused with the instruction, the source recorded', async () => {
    const { deployment, replicaSets, ctx } = setup({ ...argoAnnotations, 'runbook.dev/owner-rollback': 'Instruct' });
    const r = await ownerStep({ config: DEFAULT_OWNER_STRATEGY, gitops: suspender(() => Promise.resolve({ history: [] })), policies: [{ policy: `${NS}/default`, ownerRollback: { argoCD: 'SuspendAutoSync' } }] }, ctx, none, deployment, replicaSets, 1);
    expect(r.gitops).to.equal(undefined);
    expect(r.refusal).to.include({ state: 'Refused', reason: 'RollbackOwnedByGitOps', toRevision: 1, fromRevision: 2 });
    expect(r.refusal?.ownerStrategy).to.include({ strategy: 'Instruct', source: 'DeploymentAnnotation' });
    expect(r.refusal?.message).to.include('argocd/shop-api').and.include('runbook.dev/owner-rollback');
  });

  it('opted in by the policy but no RBAC on the Application: a refusal with the instruction and what to grant, never a throw', async () => {
    const { deployment, replicaSets, ctx } = setup(argoAnnotations);
    const r = await ownerStep({ config: DEFAULT_OWNER_STRATEGY, gitops: suspender(forbidden), policies: [{ policy: `${NS}/default`, ownerRollback: { argoCD: 'SuspendAutoSync' } }] }, ctx, none, deployment, replicaSets, 1);
    expect(r.refusal).to.include({ state: 'Refused', reason: 'GitOpsOwnerUnavailable' });
    expect(r.refusal?.message).to.include('not readable (Forbidden)').and.include('get and patch on applications.argoproj.io')
      .and.include('gitops.argoCD.enabled=true').and.include('Instead:').and.include('revert the Application');
    expect(r.refusal?.ownerStrategy).to.include({ strategy: 'SuspendAutoSync', source: 'EscalationPolicy' });
  });

  it('Instruct with the Application unreadable is the ordinary refusal (no RBAC needed to refuse)', async () => {
    const { deployment, replicaSets, ctx } = setup(argoAnnotations);
    const r = await ownerStep({ config: DEFAULT_OWNER_STRATEGY, gitops: suspender(forbidden) }, ctx, none, deployment, replicaSets, 1);
    expect(r.refusal).to.include({ reason: 'RollbackOwnedByGitOps' });
    expect(r.refusal?.ownerStrategy).to.include({ strategy: 'Instruct', source: 'Default' });
  });

  it('a plain Deployment: nothing recorded', async () => {
    const { deployment, replicaSets, ctx } = setup({});
    expect(await ownerStep({ config: DEFAULT_OWNER_STRATEGY, policies: [{ policy: `${NS}/default`, ownerRollback: { argoCD: 'SuspendAutoSync' } }] }, ctx, none, deployment, replicaSets, 1)).to.deep.equal({});
  });

  it('suspendForbidden: the recorded intent becomes a refusal naming the object and the RBAC to grant', () => {
    const g = { kind: 'Kustomization' as const, apiVersion: 'kustomize.toolkit.fluxcd.io/v1', name: 'apps', namespace: 'flux-system', field: 'spec.suspend', previous: 'false' };
    const r = suspendForbidden({ state: 'Intended', action: 'Rollback', toRevision: 1, gitops: g }, g, new Date('2026-12-01T09:00:00Z'));
    expect(r).to.include({ state: 'Refused', reason: 'GitOpsOwnerUnavailable', completedAt: '2026-12-01T09:00:00.000Z', toRevision: 1 });
    expect(r.gitops).to.equal(undefined);
    expect(r.message).to.include('flux-system/apps').and.include('kustomizations.kustomize.toolkit.fluxcd.io');
  });
});
