import { expect } from 'chai';
import {
  AUTO_ROLLBACK_LABEL,
  MAX_DNS1123_LABEL_LENGTH,
  crashLoopIncidentName,
  detectCrashLoop,
  type CrashLoopDecision,
  type CrashLoopInput,
} from '../../../src/decide/crashloop-detect.js';
import { aDeployment, aPod, aReplicaSet, aTemplate, deepFreeze, type DeploymentOptions } from './rollback-fixtures.js';

const OPTED_IN = { [AUTO_ROLLBACK_LABEL]: 'enabled' };
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function scenario(over: {
  deployment?: DeploymentOptions;
  namespaceLabels?: Record<string, string>;
  newCrash?: { restarts: number; lastExitCode?: number; waiting?: string }[];
  oldCrash?: boolean;
  openIncidentExists?: boolean;
  restartThreshold?: number;
  optInSelector?: { label: string; value: string };
}): CrashLoopInput {
  const deployment = aDeployment({ revision: 3, labels: OPTED_IN, ...(over.deployment ?? {}) });
  const old = aReplicaSet(2, aTemplate({ image: 'img:2' }), { deployment });
  const current = aReplicaSet(3, aTemplate({ image: 'img:3' }), { deployment });
  const pods = [
    aPod(current, { name: 'new-ok' }),
    ...(over.newCrash ?? []).map((c, i) => aPod(current, { name: `new-crash-${i}`, ...c })),
    aPod(old, over.oldCrash === true ? { name: 'old-crash', waiting: 'CrashLoopBackOff', restarts: 7, lastExitCode: 1 } : { name: 'old-ok' }),
  ];
  return deepFreeze({
    deployment,
    replicaSets: [old, current],
    pods,
    ...(over.namespaceLabels !== undefined ? { namespaceLabels: over.namespaceLabels } : {}),
    ...(over.optInSelector !== undefined ? { optInSelector: over.optInSelector } : {}),
    ...(over.restartThreshold !== undefined ? { restartThreshold: over.restartThreshold } : {}),
    openIncidentExists: over.openIncidentExists ?? false,
  });
}

const CRASH = { restarts: 4, lastExitCode: 1, waiting: 'CrashLoopBackOff' };

describe('decide/crashloop-detect', () => {
  const cases: { name: string; input: CrashLoopInput; want: Partial<CrashLoopDecision> }[] = [
    {
      name: 'not opted in (no label anywhere)',
      input: scenario({ deployment: { labels: {} }, newCrash: [CRASH] }),
      want: { open: false, reason: 'NotOptedIn' },
    },
    {
      name: 'opted in through the namespace label',
      input: scenario({ deployment: { labels: {} }, namespaceLabels: OPTED_IN, newCrash: [CRASH] }),
      want: { open: true, reason: 'CrashLoopDetected' },
    },
    {
      name: 'deployment label overrides an opted-in namespace',
      input: scenario({ deployment: { labels: { [AUTO_ROLLBACK_LABEL]: 'disabled' } }, namespaceLabels: OPTED_IN, newCrash: [CRASH] }),
      want: { open: false, reason: 'NotOptedIn' },
    },
    {
      name: 'custom opt-in selector',
      input: scenario({ deployment: { labels: { 'team/auto': 'yes' } }, optInSelector: { label: 'team/auto', value: 'yes' }, newCrash: [CRASH] }),
      want: { open: true },
    },
    {
      name: 'an incident is already open for the deployment',
      input: scenario({ newCrash: [CRASH], openIncidentExists: true }),
      want: { open: false, reason: 'IncidentAlreadyOpen' },
    },
    {
      name: 'deployment being deleted',
      input: scenario({ deployment: { deletionTimestamp: '2024-05-01T00:00:00Z' }, newCrash: [CRASH] }),
      want: { open: false, reason: 'DeploymentTerminating' },
    },
    {
      name: 'only an old revision crash-loops',
      input: scenario({ oldCrash: true }),
      want: { open: false, reason: 'CrashLoopOnlyInOlderRevision' },
    },
    {
      name: 'nothing crash-loops',
      input: scenario({}),
      want: { open: false, reason: 'NoCrashLoop' },
    },
    {
      name: 'restarts over threshold after exit 0 do not count',
      input: scenario({ newCrash: [{ restarts: 5, lastExitCode: 0 }] }),
      want: { open: false, reason: 'NoCrashLoop' },
    },
    {
      name: 'restarts at threshold after exit 1 count',
      input: scenario({ newCrash: [{ restarts: 3, lastExitCode: 1 }] }),
      want: { open: true, revision: 3 },
    },
    {
      name: 'configured threshold is honoured',
      input: scenario({ newCrash: [{ restarts: 3, lastExitCode: 1 }], restartThreshold: 5 }),
      want: { open: false, reason: 'NoCrashLoop' },
    },
    {
      name: 'P0 when availableReplicas is undefined',
      input: scenario({ newCrash: [CRASH] }),
      want: { open: true, severity: 'P0' },
    },
    {
      name: 'P0 when availableReplicas is 0',
      input: scenario({ deployment: { status: { availableReplicas: 0 } }, newCrash: [CRASH] }),
      want: { open: true, severity: 'P0' },
    },
    {
      name: 'P1 when some replicas are available',
      input: scenario({ deployment: { status: { availableReplicas: 2 } }, newCrash: [CRASH] }),
      want: { open: true, severity: 'P1', incidentName: 'crashloop-patient-advocacy-api-r3' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(detectCrashLoop(c.input)).to.include(c.want);
    });
  }

  it('lists the crashing pods of the newest revision only, sorted', () => {
    const decision = detectCrashLoop(scenario({ newCrash: [CRASH, CRASH], oldCrash: true }));
    if (!decision.open) throw new Error(decision.message);
    expect(decision.crashingPods).to.deep.equal(['new-crash-0', 'new-crash-1']);
  });

  describe('crashLoopIncidentName', () => {
    const long = 'a'.repeat(70);
    const cases: { name: string; deployment: string; revision: number; want?: string; suffix?: RegExp }[] = [
      { name: 'short name stays readable', deployment: 'api', revision: 12, want: 'crashloop-api-r12' },
      { name: 'exactly 63 characters is kept', deployment: 'b'.repeat(63 - 'crashloop--r1'.length), revision: 1, want: `crashloop-${'b'.repeat(50)}-r1` },
      { name: 'too long: trimmed with hash suffix', deployment: long, revision: 7, suffix: /^crashloop-a+-r7-[0-9a-f]{8}$/ },
      { name: 'dotted (DNS subdomain) name: sanitised with hash', deployment: 'api.v2', revision: 4, suffix: /^crashloop-api-v2-r4-[0-9a-f]{8}$/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const name = crashLoopIncidentName(c.deployment, c.revision);
        expect(name.length).to.be.at.most(MAX_DNS1123_LABEL_LENGTH);
        expect(name).to.match(DNS1123_LABEL);
        if (c.want !== undefined) expect(name).to.equal(c.want);
        if (c.suffix !== undefined) expect(name).to.match(c.suffix);
      });
    }

    it('is deterministic and distinguishes names that share a long prefix', () => {
      const a = crashLoopIncidentName(`${long}-one`, 3);
      const b = crashLoopIncidentName(`${long}-two`, 3);
      expect(crashLoopIncidentName(`${long}-one`, 3)).to.equal(a);
      expect(a).to.not.equal(b);
      expect(crashLoopIncidentName(`${long}-one`, 4)).to.not.equal(a);
    });
  });
});
