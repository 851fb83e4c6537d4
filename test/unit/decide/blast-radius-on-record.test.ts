import { expect } from 'chai';
import type { Incident } from '../../../src/api/incident.js';
import { rollbacksOnRecord } from '../../../src/decide/blast-radius.js';
import { ROLLBACK_HISTORY_ANNOTATION } from '../../../src/decide/rollback-guards.js';

const t = '2026-01-01T12:00:00.000Z';
const workload = (ns: string, name: string, history?: string) => {
  const annotations: Record<string, string> = history === undefined ? {} : { [ROLLBACK_HISTORY_ANNOTATION]: history };
  return { metadata: { namespace: ns, name, annotations } };
};
const incident = (state: string, target: string): Incident => ({
  metadata: { name: `i-${target}`, namespace: 'a' }, spec: { severity: 'P2', summary: 's', target: { kind: 'Deployment', name: target } },
  status: { remediation: { state, action: 'Rollback', intendedAt: t } },
} as unknown as Incident);

describe('decide/blast-radius: rollbacks on record (the slow path and the fast path read them alike)', () => {
  it('counts history annotations of every workload given (Deployments and StatefulSets alike) and recorded intents only', () => {
    const r = rollbacksOnRecord(
      [workload('a', 'deploy', JSON.stringify([t])), workload('a', 'sts', JSON.stringify([t, 'not a time'])), workload('a', 'quiet'), workload('a', 'garbage', '{')],
      [incident('Intended', 'x'), incident('Succeeded', 'y')],
    );
    expect([...r.annotated.keys()]).to.deep.equal(['a/deploy', 'a/sts']);
    expect(r.annotated.get('a/sts')!.map((d) => d.toISOString())).to.deep.equal([t]);
    expect([...r.intended.keys()]).to.deep.equal(['a/x']);
  });
});
