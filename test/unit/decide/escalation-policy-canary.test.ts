/**
 * The EscalationPolicyValid condition (and its Warning Event) lists why a policy was rejected. A canary planted
 * in each field of a policy never comes back: a message names the field (`tiers[0].targets: unknown type`),
 * it does not echo the value.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { defaultEscalationPolicy, type EscalationPolicySpec } from '../../../src/decide/escalation.js';
import { resolvePolicy, validateEscalationPolicy } from '../../../src/decide/escalation-policy.js';
import { validateBusinessCalendar, type BusinessCalendar } from '../../../src/decide/business-hours.js';
import { Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import type { Incident, IncidentStatus } from '../../../src/api/incident.js';
import { loadConfig } from '../../../src/config.js';
import { PolicyEscalator } from '../../../src/escalate/escalator.js';
import { createLogger } from '../../../src/log.js';
import type { PolicyObject, ReadCache } from '../../../src/ports/caches.js';
import { isDns1123Subdomain } from '../../../src/intake/alertmanager.js';
import { canaryTextArb, found } from '../../harness/canaries.js';

type Mutable = Record<string, unknown>;

function validPolicy(): Mutable {
  return {
    tiers: [
      { name: 'On-call', level: 1, triggers: ['OnOpen'], targets: [{ type: 'webhook', name: 'hook', secretRef: { name: 's', key: 'url' } }] },
      { name: 'Lead', level: 2, triggers: ['AfterDelay'], delayMinutes: 5, targets: [{ type: 'slack', name: 'chat', channel: 'C1', secretRef: { name: 's', key: 'token' } }] },
    ],
    severityRules: [{ severity: 'P2', tierOnOpen: 1, businessHoursOnly: true, repeatMinutes: 10 }],
    calendar: { timeZone: 'UTC', days: ['Mon'], start: '09:00', end: '17:00' },
    notifyOnPhaseChange: true,
  };
}

/** Every place a policy author can type a value (path into the policy, and how the canary is put there). */
const positions: [string, (p: Mutable, v: string) => void][] = [
  ['tiers[0].name', (p, v) => { tier(p, 0).name = v; }],
  ['tiers[1].name (duplicate of tier 0)', (p, v) => { tier(p, 0).name = v; tier(p, 1).name = v; }],
  ['tiers[0].level', (p, v) => { tier(p, 0).level = v; }],
  ['tiers[0].targets[0].type', (p, v) => { target(p).type = v; }],
  ['tiers[0].targets[0].name', (p, v) => { target(p).name = v; }],
  ['tiers[0].targets[0].secretRef.name', (p, v) => { target(p).secretRef = { name: v, key: '' }; }],
  ['tiers[0].targets[0].secretRef.key', (p, v) => { target(p).secretRef = { name: '', key: v }; }],
  ['tiers[0].targets[0].hmacSecretRef', (p, v) => { tier(p, 1).targets = [{ type: 'slack', name: 'chat', secretRef: { name: 's', key: 'k' }, hmacSecretRef: { name: v, key: v } }]; }],
  ['tiers[1].targets[0].channel', (p, v) => { tier(p, 1).targets = [{ type: 'slack', name: 'chat', channel: `${v} #x!`, secretRef: { name: 's', key: 'k' } }]; }],
  ['tiers[0].triggers', (p, v) => { tier(p, 0).triggers = ['OnOpen', v]; }],
  ['tiers[1].delayMinutes', (p, v) => { tier(p, 1).delayMinutes = v; }],
  ['severityRules[0].severity', (p, v) => { rule(p).severity = v; }],
  ['severityRules[0].tierOnOpen', (p, v) => { rule(p).tierOnOpen = v; }],
  ['severityRules[0].repeatMinutes', (p, v) => { rule(p).repeatMinutes = v; }],
  ['ownerRollback.argoCD', (p, v) => { p.ownerRollback = { argoCD: v }; }],
  ['ownerRollback.<key>', (p, v) => { p.ownerRollback = { [v]: 'Instruct' }; }],
  ['calendar.timeZone', (p, v) => { cal(p).timeZone = v; }],
  ['calendar.days', (p, v) => { cal(p).days = ['Mon', v]; }],
  ['calendar.start', (p, v) => { cal(p).start = v; }],
  ['calendar.end', (p, v) => { cal(p).end = v; }],
];

function tier(p: Mutable, i: number): Mutable {
  return (p.tiers as Mutable[])[i]!;
}
function target(p: Mutable): Mutable {
  return (tier(p, 0).targets as Mutable[])[0]!;
}
function rule(p: Mutable): Mutable {
  return (p.severityRules as Mutable[])[0]!;
}
function cal(p: Mutable): Mutable {
  return p.calendar as Mutable;
}

// Untyped input on purpose: the operator re-validates what the API server accepted (and what it did not see).
const asPolicy = (p: Mutable): EscalationPolicySpec => p as unknown as EscalationPolicySpec;

describe('decide/escalation: canaries in an invalid EscalationPolicy never reach the condition message', () => {
  it('the fixture is valid (every rejection below comes from the planted value)', () => {
    expect(validateEscalationPolicy(asPolicy(validPolicy()))).to.deep.equal([]);
  });

  for (const [path, plant] of positions) {
    it(`${path}: the message names the field, not the value`, () => {
      fc.assert(fc.property(canaryTextArb, ({ canary, text }) => {
        const p = validPolicy();
        plant(p, text);
        const errors = validateEscalationPolicy(asPolicy(p));
        const resolved = resolvePolicy(asPolicy(p), undefined, defaultEscalationPolicy());
        const all = JSON.stringify({ errors, rejected: resolved.rejected });
        expect(found(all, [canary]), all).to.deep.equal([]);
        // Names are not validated here (the CRD does that); every other field must be rejected.
        if (!/\.name$|\.name \(|secretRef\.key|hmacSecretRef/u.test(path) || path.startsWith('tiers[1].name')) expect(errors, path).to.not.deep.equal([]);
      }), { numRuns: 40 });
    });
  }

  it('tier names: shown as written when the filter keeps them or they are the runbook\'s own, else redacted', () => {
    const p = validPolicy();
    tier(p, 1).name = 'Patient CANARY-0a1b2c3d4e5fe9';
    const shown = resolvePolicy(asPolicy(p), undefined, defaultEscalationPolicy()).policy.tiers.map((t) => t.name);
    expect(shown[0]).to.equal('On-call');
    expect(shown[1]).to.not.include('0a1b2c3d4e5f');
    expect(resolvePolicy(undefined, undefined, defaultEscalationPolicy()).policy.tiers.map((t) => t.name)).to.deep.equal(defaultEscalationPolicy().tiers.map((t) => t.name));
  });

  it('a business calendar with canaries everywhere: every error, no value', () => {
    fc.assert(fc.property(canaryTextArb, ({ canary, text }) => {
      const errors = validateBusinessCalendar({ timeZone: text, days: [text], start: text, end: text } as unknown as BusinessCalendar);
      expect(errors.length).to.be.at.least(3);
      expect(found(errors.join('\n'), [canary])).to.deep.equal([]);
    }));
  });

  it('PolicyEscalator: the condition and its Warning name neither an invalid policy\'s values nor a free-text reference', async () => {
    await fc.assert(fc.asyncProperty(canaryTextArb, fc.constantFrom(...positions.map(([p]) => p)), fc.boolean(), async ({ canary, text }, path, refIsText) => {
      const bad = validPolicy();
      positions.find(([p]) => p === path)![1](bad, text);
      const objects: Record<string, PolicyObject> = {
        'ns/default': { metadata: { name: 'default', namespace: 'ns' }, spec: asPolicy(validPolicy()) },
        'ns/bad': { metadata: { name: 'bad', namespace: 'ns' }, spec: asPolicy(bad) },
      };
      const policies: ReadCache<PolicyObject> = { get: (ns, name) => objects[`${ns ?? ''}/${name}`], list: () => Object.values(objects) };
      const log = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
      const esc = new PolicyEscalator({ core: {} as unknown as k8s.CoreV1Api, config: loadConfig({}), log, policies, clock: { now: () => T0 }, pagerDutyUrl: 'http://127.0.0.1:9/v2/enqueue' });
      const incident: Incident = { metadata: { name: 'inc', namespace: 'ns', uid: 'u', generation: 1 }, spec: { severity: 'P2', summary: 's', escalationPolicyRef: { name: refIsText ? freeText(text) : 'bad' } } };
      const status: IncidentStatus = { phase: 'Diagnosing', openedAt: T0.toISOString(), acknowledgeBy: T0.toISOString(), respondBy: T0.toISOString() };
      const out = await esc.escalate(incident, status, T0);
      const condition = out.status.conditions?.find((c) => c.type === 'EscalationPolicyValid');
      const rejected = refIsText || validateEscalationPolicy(asPolicy(bad)).length > 0;
      if (rejected) expect(condition?.status, path).to.equal('False');
      // A planted text the policy accepts (a lower-case canary is a valid target name) is configuration in use: the
      // target is named in its outbox entry so a person can find it. Then only the condition must not echo it.
      const checked = rejected ? JSON.stringify({ status: out.status, notes: out.notes }) : JSON.stringify(out.status.conditions ?? []);
      expect(found(checked, [canary]), checked).to.deep.equal([]);
    }), { numRuns: 60 });
  });
});

const T0 = new Date('2026-01-05T10:00:00.000Z');
/** A Kubernetes object name is shown as is (the reader must find the object): the reference planted is never one. */
const freeText = (t: string): string => (isDns1123Subdomain(t) ? `patient ${t}` : t);
