/**
 * The Argo CD instruction ("revert the Application's source to Git revision …") quotes an entry of the
 * Application's status.history, which whoever writes the Application (or its repo) controls. Only revision
 * shapes known to be safe pass — hex commit SHAs and plain semver tags —, the deploy time is re-written from a
 * parsed date and the history id must be an integer. A canary or credentials in a revision, repo URL or time
 * never reach the refusal.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { argoRevisionBefore, decideOwnerStrategy, type ArgoHistoryEntry } from '../../../src/decide/owner-strategy.js';
import { canaryArb, found } from '../../harness/canaries.js';

const owner = { kind: 'ArgoCD' as const, name: 'payments', namespace: 'argocd', evidence: 'annotation argocd.argoproj.io/tracking-id', message: 'managed by Argo CD Application argocd/payments' };
const config = { argoCd: 'Instruct' as const, flux: 'Instruct' as const, helm: 'Instruct' as const, argoCdNamespace: 'argocd' };
const decide = (argoRevertTo: ArgoHistoryEntry) => decideOwnerStrategy({ owner, config, deployment: 'api', namespace: 'payments', fromRevision: 4, toRevision: 3, argoRevertTo });

const revisionArb = (c: string) => fc.constantFrom(
  c, `https://user:${c}@git.example.org/repo.git`, `https://git.example.org/${c}.git#main`, `v1.2.3-${c}`, `refs/heads/${c}`,
  `0a1b2c3d ${c}`, `${c.toLowerCase()}`, `v1.2.3+${c}`, `1.2.3\n${c}`, `deadbeef0123456789${c}`,
);

describe('decide/owner-strategy: canaries in the Argo CD revision', () => {
  it('a revision, repo URL, time or id carrying a canary never reaches the instruction', () => {
    fc.assert(fc.property(canaryArb.chain((c) => fc.tuple(fc.constant(c), revisionArb(c), fc.constantFrom(undefined, c, `2026-01-05T10:00:00Z ${c}`), fc.constantFrom<unknown>(undefined, 7, c))), ([c, revision, deployedAt, id]) => {
      // History comes from an unstructured object: the id may be anything (hence the cast of test input).
      const s = decide({ revision, ...(deployedAt !== undefined ? { deployedAt } : {}), ...(id !== undefined ? { id: id as number } : {}) });
      const text = JSON.stringify(s);
      expect(s.action).to.equal('Refuse');
      expect(found(text, [c]), text).to.deep.equal([]);
      expect(text).to.not.include('user:');
      expect(text).to.include('argocd app history payments');
    }));
  });

  it('argoRevisionBefore passes an entry on, the instruction still quotes only safe parts of it', () => {
    const c = 'CANARY-0a1b2c3d4e5fe9';
    const history: ArgoHistoryEntry[] = [
      { id: 1, revision: `https://u:${c}@git.example.org/r.git`, deployedAt: '2026-01-05T09:00:00Z' },
      { id: 2, revision: 'f'.repeat(40), deployedAt: '2026-01-05T10:00:00Z' },
    ];
    const s = decide(argoRevisionBefore(history, new Date('2026-01-05T10:00:30Z'))!);
    expect(JSON.stringify(s)).to.not.include(c.slice(7));
  });

  for (const revision of ['0123456789abcdef0123456789abcdef01234567', '0a1b2c3', 'v1.4.2', '2.0.0', 'v3.1.0-rc.1']) {
    it(`a known-safe revision is quoted: ${revision}`, () => {
      const s = decide({ revision, deployedAt: '2026-01-05T10:00:00Z', id: 7 });
      expect(s.action === 'Refuse' && s.message).to.include(`Git revision ${revision} (deployed 2026-01-05T10:00:00.000Z), or with auto-sync off: argocd app rollback payments 7`);
    });
  }
});
