import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { WorkloadOwnerKind } from '../../../src/api/diagnosis.js';
import { DEFAULT_OWNER_STRATEGY, type OwnerStrategyConfig } from '../../../src/decide/owner-strategy.js';
import { OWNER_ROLLBACK_FIELDS, ownerRollbackField, ownerRollbackProblems, resolveOwnerStrategy, type OwnerPolicyCandidate } from '../../../src/decide/owner-strategy-source.js';
import { defaultEscalationPolicy } from '../../../src/decide/escalation.js';
import { validateEscalationPolicy } from '../../../src/decide/escalation-policy.js';

const opted: OwnerStrategyConfig = { ...DEFAULT_OWNER_STRATEGY, argoCd: 'SuspendAutoSync', flux: 'Suspend', helm: 'PatchDeployment', set: { argoCD: true, flux: true, helm: true } };
const instructSet: OwnerStrategyConfig = { ...DEFAULT_OWNER_STRATEGY, set: { argoCD: true, flux: true, helm: true } };
const pol = (ownerRollback: unknown, policy = 'shop/default'): OwnerPolicyCandidate => ({ policy, ownerRollback });
const valueOf = (c: OwnerStrategyConfig, kind: WorkloadOwnerKind): string => (kind === 'ArgoCD' ? c.argoCd : kind === 'Helm' ? c.helm : c.flux);

describe('decide/owner-strategy-source', () => {
  const table: { name: string; kind: WorkloadOwnerKind; annotation?: string; policies: OwnerPolicyCandidate[]; operator: OwnerStrategyConfig; strategy: string; source: string; policy?: string }[] = [
    { name: 'nothing set: default Instruct', kind: 'ArgoCD', policies: [], operator: DEFAULT_OWNER_STRATEGY, strategy: 'Instruct', source: 'Default' },
    { name: 'operator opt-in', kind: 'ArgoCD', policies: [], operator: opted, strategy: 'SuspendAutoSync', source: 'OperatorConfig' },
    { name: 'operator Instruct set explicitly', kind: 'FluxKustomization', policies: [], operator: instructSet, strategy: 'Instruct', source: 'OperatorConfig' },
    { name: 'opt-in value without the set flags still counts as operator config', kind: 'Helm', policies: [], operator: { ...DEFAULT_OWNER_STRATEGY, helm: 'PatchDeployment' }, strategy: 'PatchDeployment', source: 'OperatorConfig' },
    { name: 'policy opts in over operator Instruct', kind: 'ArgoCD', policies: [pol({ argoCD: 'SuspendAutoSync' })], operator: instructSet, strategy: 'SuspendAutoSync', source: 'EscalationPolicy', policy: 'shop/default' },
    { name: 'policy Instruct over operator opt-in', kind: 'FluxHelmRelease', policies: [pol({ flux: 'Instruct' })], operator: opted, strategy: 'Instruct', source: 'EscalationPolicy', policy: 'shop/default' },
    { name: 'policy Helm PatchDeployment', kind: 'Helm', policies: [pol({ helm: 'PatchDeployment' })], operator: DEFAULT_OWNER_STRATEGY, strategy: 'PatchDeployment', source: 'EscalationPolicy', policy: 'shop/default' },
    { name: 'policy without the field: next policy', kind: 'ArgoCD', policies: [pol({ flux: 'Suspend' }, 'shop/ref'), pol({ argoCD: 'SuspendAutoSync' })], operator: DEFAULT_OWNER_STRATEGY, strategy: 'SuspendAutoSync', source: 'EscalationPolicy', policy: 'shop/default' },
    { name: 'first policy with the field wins', kind: 'ArgoCD', policies: [pol({ argoCD: 'Instruct' }, 'shop/ref'), pol({ argoCD: 'SuspendAutoSync' })], operator: opted, strategy: 'Instruct', source: 'EscalationPolicy', policy: 'shop/ref' },
    { name: 'no policy sets the field: operator config', kind: 'FluxKustomization', policies: [pol({ argoCD: 'SuspendAutoSync' }), pol(undefined, 'ops/op')], operator: opted, strategy: 'Suspend', source: 'OperatorConfig' },
    { name: 'invalid policy value: Instruct, never the operator opt-in', kind: 'ArgoCD', policies: [pol({ argoCD: 'Suspend' })], operator: opted, strategy: 'Instruct', source: 'EscalationPolicy', policy: 'shop/default' },
    { name: 'annotation Instruct over a policy opt-in', kind: 'ArgoCD', annotation: 'Instruct', policies: [pol({ argoCD: 'SuspendAutoSync' })], operator: opted, strategy: 'Instruct', source: 'DeploymentAnnotation' },
    { name: 'annotation with another value is ignored (can only make it safer)', kind: 'FluxKustomization', annotation: 'Suspend', policies: [], operator: DEFAULT_OWNER_STRATEGY, strategy: 'Instruct', source: 'Default' },
    { name: 'annotation SuspendAutoSync does not opt in over a policy Instruct', kind: 'ArgoCD', annotation: 'SuspendAutoSync', policies: [pol({ argoCD: 'Instruct' })], operator: opted, strategy: 'Instruct', source: 'EscalationPolicy', policy: 'shop/default' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const r = resolveOwnerStrategy({ ownerKind: t.kind, annotation: t.annotation, policies: t.policies, operator: t.operator });
      expect(r.status).to.include({ owner: t.kind, strategy: t.strategy, source: t.source });
      expect(r.status?.policy).to.equal(t.policy);
      expect(valueOf(r.config, t.kind)).to.equal(t.strategy);
      expect(r.status?.message).to.be.a('string').and.not.equal('');
    });
  }

  it('Plain: nothing to choose, the operator config unchanged and no status', () => {
    const r = resolveOwnerStrategy({ ownerKind: 'Plain', annotation: 'Instruct', policies: [pol({ argoCD: 'SuspendAutoSync' })], operator: opted });
    expect(r).to.deep.equal({ config: opted });
  });

  const kinds = fc.constantFrom<WorkloadOwnerKind>('ArgoCD', 'FluxKustomization', 'FluxHelmRelease', 'Helm');
  const anyValue = fc.oneof(fc.constantFrom('Instruct', 'SuspendAutoSync', 'Suspend', 'PatchDeployment', 'bogus'), fc.integer(), fc.constant(null));
  const policy = fc.record({ policy: fc.constantFrom('shop/ref', 'shop/default', 'ops/op'), ownerRollback: fc.oneof(fc.constant(undefined), fc.record({ argoCD: anyValue, flux: anyValue, helm: anyValue }, { requiredKeys: [] })) });
  const operator = fc.record({
    argoCd: fc.constantFrom('Instruct' as const, 'SuspendAutoSync' as const), flux: fc.constantFrom('Instruct' as const, 'Suspend' as const),
    helm: fc.constantFrom('Instruct' as const, 'PatchDeployment' as const), argoCdNamespace: fc.constant('argocd'),
    set: fc.record({ argoCD: fc.boolean(), flux: fc.boolean(), helm: fc.boolean() }),
  });
  const annotation = fc.oneof(fc.constant(undefined), fc.constantFrom('Instruct', 'SuspendAutoSync', 'Suspend', 'instruct', ''));

  it('property: the annotation Instruct always yields Instruct; the chosen value is always one the field allows', () => {
    fc.assert(fc.property(kinds, annotation, fc.array(policy, { maxLength: 3 }), operator, (kind, ann, policies, op) => {
      const r = resolveOwnerStrategy({ ownerKind: kind, annotation: ann, policies, operator: op });
      const field = ownerRollbackField(kind)!;
      const allowed: readonly string[] = OWNER_ROLLBACK_FIELDS[field];
      expect(allowed).to.include(r.status!.strategy);
      expect(valueOf(r.config, kind)).to.equal(r.status!.strategy);
      if (ann === 'Instruct') expect(r.status).to.include({ strategy: 'Instruct', source: 'DeploymentAnnotation' });
      // Only an explicit, valid opt-in acts: from the first policy setting the field, else the operator config.
      const first = policies.find((p) => typeof p.ownerRollback === 'object' && p.ownerRollback !== null && (p.ownerRollback as Record<string, unknown>)[field] !== undefined);
      if (r.status!.strategy !== 'Instruct') {
        expect(ann).to.not.equal('Instruct');
        if (first) expect((first.ownerRollback as Record<string, unknown>)[field]).to.equal(r.status!.strategy);
        else expect(valueOf(op, kind)).to.equal(r.status!.strategy);
      }
      // Other owners' fields stay as the operator set them.
      if (kind !== 'ArgoCD') expect(r.config.argoCd).to.equal(op.argoCd);
      if (kind !== 'Helm') expect(r.config.helm).to.equal(op.helm);
    }), { numRuns: 500 });
  });

  it('ownerRollbackProblems mirrors the CRD schema and names each bad field; the policy validity check includes it', () => {
    expect(ownerRollbackProblems(undefined)).to.deep.equal([]);
    expect(ownerRollbackProblems({ argoCD: 'SuspendAutoSync', flux: 'Suspend', helm: 'PatchDeployment' })).to.deep.equal([]);
    expect(ownerRollbackProblems('Instruct')).to.deep.equal(['ownerRollback must be an object']);
    expect(ownerRollbackProblems({ argoCD: 'Suspend', flux: 'SuspendAutoSync', helm: 1, 'CANARY-5e1f0a9b7c': 'Instruct' })).to.deep.equal([
      'ownerRollback.argoCD must be Instruct or SuspendAutoSync', 'ownerRollback.flux must be Instruct or Suspend',
      'ownerRollback.helm must be Instruct or PatchDeployment', 'ownerRollback has an unknown field (known: argoCD, flux, helm)',
    ]);
    const spec = { ...defaultEscalationPolicy(), ownerRollback: { flux: 'Delete' } };
    // @ts-expect-error -- an invalid value, as a policy that did not pass the API server could hold
    expect(validateEscalationPolicy(spec)).to.deep.equal(['ownerRollback.flux must be Instruct or Suspend']);
    expect(validateEscalationPolicy({ ...defaultEscalationPolicy(), ownerRollback: { argoCD: 'SuspendAutoSync' } })).to.deep.equal([]);
  });

  it('the CRD schema of spec.ownerRollback allows exactly these values, each field described', () => {
    // loadYaml reads a CRD as the client's typed object: `enum` is `_enum` there.
    interface Schema { type?: string; enum?: string[]; _enum?: string[]; description?: string; properties?: Record<string, Schema> }
    const crd = loadYaml<{ spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }>(readFileSync('crds/escalationpolicy.yaml', 'utf8'));
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!.properties!.ownerRollback!;
    expect(schema.description).to.be.a('string');
    expect(Object.keys(schema.properties!).sort()).to.deep.equal(Object.keys(OWNER_ROLLBACK_FIELDS).sort());
    for (const [field, values] of Object.entries(OWNER_ROLLBACK_FIELDS)) {
      const f = schema.properties![field]!;
      expect(f._enum ?? f.enum, field).to.deep.equal([...values]);
      expect(schema.properties![field]!.description, field).to.be.a('string');
    }
  });
});
