/** Which escalation policy applies, and whether it is valid (src/decide/escalation-policy.ts). */
import { expect } from 'chai';
import { defaultEscalationPolicy, type EscalationPolicySpec, type EscalationTier } from '../../../src/decide/escalation.js';
import { resolvePolicy, validateEscalationPolicy } from '../../../src/decide/escalation-policy.js';

function tier(level: number, triggers: EscalationTier['triggers']): EscalationTier {
  return { name: `tier-${level}`, level, targets: [{ type: 'slack', name: `slack-${level}`, secretRef: { name: 's', key: 'slack-url' } }], triggers };
}

describe('decide/escalation-policy', () => {
  describe('validateEscalationPolicy', () => {
    const base = defaultEscalationPolicy;
    const withTiers = (f: (t: EscalationTier[]) => EscalationTier[]): EscalationPolicySpec => ({ ...base(), tiers: f(base().tiers) });
    const cases: { name: string; spec: EscalationPolicySpec; want: RegExp }[] = [
      { name: 'levels out of order', spec: withTiers((t) => [...t].reverse()), want: /level must be 1/ },
      { name: 'gap in levels', spec: withTiers((t) => [t[0]!, { ...t[2]! }]), want: /tiers\[1\]\.level must be 2/ },
      { name: 'too many tiers', spec: withTiers((t) => [...t, { ...t[2]!, level: 4, name: 'x' }]), want: /1 to 3 items/ },
      { name: 'duplicate tier names', spec: withTiers((t) => [t[0]!, { ...t[1]!, name: t[0]!.name }]), want: /name must be unique/ },
      { name: 'tier without targets', spec: withTiers((t) => [{ ...t[0]!, targets: [] }]), want: /targets must have/ },
      {
        name: 'hmac on a slack target',
        spec: withTiers((t) => [{ ...t[0]!, targets: [{ type: 'slack', name: 'x', secretRef: { name: 's', key: 'k' }, hmacSecretRef: { name: 's', key: 'h' } }] }]),
        want: /hmacSecretRef is only valid/,
      },
      { name: 'unknown trigger', spec: withTiers((t) => [{ ...t[0]!, triggers: ['Never' as 'OnOpen'] }]), want: /known triggers/ },
      { name: 'AfterDelay without delay', spec: withTiers((t) => [{ ...t[0]!, triggers: ['AfterDelay'] }]), want: /delayMinutes is required/ },
      { name: 'delay without AfterDelay', spec: withTiers((t) => [{ ...t[0]!, delayMinutes: 5 }]), want: /delayMinutes is required with, and only with/ },
      { name: 'duplicate severity rule', spec: { ...base(), severityRules: [base().severityRules[1]!, base().severityRules[1]!] }, want: /severity must be unique/ },
      {
        name: 'tierOnOpen without such tier',
        spec: { ...withTiers((t) => [t[0]!]), severityRules: [{ severity: 'P1', tierOnOpen: 3, businessHoursOnly: false }] },
        want: /tierOnOpen must be the level of a tier/ },
      { name: 'P0 business hours only', spec: { ...base(), severityRules: [{ severity: 'P0', businessHoursOnly: true }] }, want: /P0 pages 24\/7/ },
      { name: 'business hours without calendar', spec: (() => { const s = base(); delete s.calendar; return s; })(), want: /calendar is required/ },
      { name: 'bad calendar', spec: { ...base(), calendar: { timeZone: 'UTC', days: ['Mon'], start: '18:00', end: '09:00' } }, want: /calendar: start must be before end/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(validateEscalationPolicy(c.spec).join('\n')).to.match(c.want);
      });
    }
  });

  describe('resolvePolicy', () => {
    const named = (name: string): EscalationPolicySpec => ({ ...defaultEscalationPolicy(), tiers: [{ ...tier(1, ['OnOpen']), name }] , severityRules: [] });
    const invalid: EscalationPolicySpec = { ...defaultEscalationPolicy(), tiers: [] };
    const cases: { name: string; ref?: EscalationPolicySpec; ns?: EscalationPolicySpec; op: EscalationPolicySpec; source: string; tier1: string; rejected: string[] }[] = [
      { name: 'the incident reference wins', ref: named('ref'), ns: named('ns'), op: named('op'), source: 'IncidentRef', tier1: 'ref', rejected: [] },
      { name: 'namespace default next', ns: named('ns'), op: named('op'), source: 'NamespaceDefault', tier1: 'ns', rejected: [] },
      { name: 'operator default last', op: named('op'), source: 'OperatorDefault', tier1: 'op', rejected: [] },
      { name: 'an invalid reference is skipped and reported', ref: invalid, ns: named('ns'), op: named('op'), source: 'NamespaceDefault', tier1: 'ns', rejected: ['IncidentRef'] },
      { name: 'nothing valid: built-in runbook default', ref: invalid, ns: invalid, op: invalid, source: 'BuiltInDefault', tier1: 'On-call engineer', rejected: ['IncidentRef', 'NamespaceDefault', 'OperatorDefault'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const r = resolvePolicy(c.ref, c.ns, c.op);
        expect(r.source).to.equal(c.source);
        expect(r.policy.tiers[0]?.name).to.equal(c.tier1);
        expect(r.rejected.map((x) => x.source)).to.deep.equal(c.rejected);
      });
    }
  });

});
