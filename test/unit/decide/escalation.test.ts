import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import { WEEKDAYS } from '../../../src/decide/business-hours.js';
import {
  DEFAULT_NOTIFICATION_SECRET,
  ESCALATION_TRIGGERS,
  EscalationReasons,
  TARGET_TYPES,
  decideEscalation,
  defaultEscalationPolicy,
  escalateToNextTier,
  policyDeadlines,
  type EscalationDecision,
  type EscalationInput,
  type EscalationPolicySpec,
  type EscalationTier,
  type NotificationRecord,
} from '../../../src/decide/escalation.js';
import { validateEscalationPolicy } from '../../../src/decide/escalation-policy.js';
import { SEVERITIES, type Severity } from '../../../src/decide/sla.js';

// Monday 10:00 UTC: within the default calendar (Mon-Fri 09:00-17:00 UTC).
const MONDAY = new Date('2025-06-02T10:00:00Z');
const SATURDAY = new Date('2025-06-07T03:00:00Z');
const plus = (base: Date, minutes: number): Date => new Date(base.getTime() + minutes * 60_000);

interface Scenario {
  severity?: Severity;
  policy?: EscalationPolicySpec;
  openedAt?: Date;
  /** minutes after openedAt */
  now?: number;
  ack?: number;
  resolved?: number;
  remediation?: EscalationInput['remediation'];
  currentTier?: number;
  /** [tier, trigger, minutes after openedAt] */
  notified?: [number, string, number][];
}

function input(s: Scenario): EscalationInput {
  const policy = s.policy ?? defaultEscalationPolicy();
  const severity = s.severity ?? 'P1';
  const openedAt = s.openedAt ?? MONDAY;
  const notified: NotificationRecord[] = (s.notified ?? []).map(([tier, trigger, m]) => ({
    tier,
    trigger,
    at: plus(openedAt, m).toISOString(),
  }));
  const i: EscalationInput = {
    policy,
    severity,
    openedAt,
    deadlines: policyDeadlines(policy, severity, openedAt),
    remediation: s.remediation ?? 'None',
    currentTier: s.currentTier ?? Math.max(0, ...notified.map((n) => n.tier)),
    notified,
    now: plus(openedAt, s.now ?? 0),
  };
  if (s.ack !== undefined) i.acknowledgedAt = plus(openedAt, s.ack);
  if (s.resolved !== undefined) i.resolvedAt = plus(openedAt, s.resolved);
  return i;
}

const fired = (d: EscalationDecision): string[] => d.fire.map((f) => `${f.tier}/${f.trigger}`);

function tier(level: number, triggers: EscalationTier['triggers'], delayMinutes?: number): EscalationTier {
  const t: EscalationTier = {
    name: `tier-${level}`,
    level,
    targets: [{ type: 'slack', name: `slack-${level}`, secretRef: { name: 's', key: 'slack-url' } }],
    triggers,
  };
  if (delayMinutes !== undefined) t.delayMinutes = delayMinutes;
  return t;
}
function policy(tiers: EscalationTier[], over: Partial<EscalationPolicySpec> = {}): EscalationPolicySpec {
  return { ...defaultEscalationPolicy(), tiers, ...over };
}

describe('decide/escalation', () => {
  describe('decideEscalation', () => {
    const onOpen: [number, string, number] = [1, 'OnOpen', 0];
    const cases: { name: string; s: Scenario; fire: string[]; tier: number; next?: Date }[] = [
      { name: 'P1 opens: tier 1 now, next check at the acknowledge deadline', s: {}, fire: ['1/OnOpen'], tier: 1, next: plus(MONDAY, 15) },
      { name: 'already notified on open: nothing new', s: { now: 5, notified: [onOpen] }, fire: [], tier: 1, next: plus(MONDAY, 15) },
      {
        name: 'not acknowledged by the deadline: tier 2, then repeat tier 2 later',
        s: { now: 15, notified: [onOpen] },
        fire: ['2/AcknowledgeDeadlineExceeded'],
        tier: 2,
        next: plus(MONDAY, 30),
      },
      { name: 'acknowledged in time: no tier 2, response deadline still pending', s: { now: 20, ack: 10, notified: [onOpen] }, fire: [], tier: 1, next: plus(MONDAY, 60) },
      {
        name: 'acknowledged but not resolved by the response deadline: tier 3',
        s: { now: 60, ack: 10, notified: [onOpen] },
        fire: ['3/ResponseDeadlineExceeded'],
        tier: 3,
      },
      {
        name: 'late evaluation fires both deadlines once',
        s: { now: 70, notified: [onOpen] },
        fire: ['2/AcknowledgeDeadlineExceeded', '3/ResponseDeadlineExceeded'],
        tier: 3,
        next: plus(MONDAY, 85),
      },
      { name: 'resolved: nothing fires, nothing pending', s: { now: 120, resolved: 30, notified: [onOpen] }, fire: [], tier: 1 },
      { name: 'resolved before anything was sent', s: { now: 0, resolved: 0 }, fire: [], tier: 0 },
      {
        name: 'everything already sent: idempotent',
        s: { now: 90, ack: 20, notified: [onOpen, [2, 'AcknowledgeDeadlineExceeded', 15], [3, 'ResponseDeadlineExceeded', 60]] },
        fire: [],
        tier: 3,
      },
      { name: 'remediation failed at tier 1: next tier', s: { now: 5, notified: [onOpen], remediation: 'Failed' }, fire: ['2/RemediationFailed'], tier: 2, next: plus(MONDAY, 15) },
      {
        name: 'remediation failure escalates only once',
        s: { now: 6, notified: [onOpen, [2, 'RemediationFailed', 5]], remediation: 'Failed' },
        fire: [],
        tier: 2,
        next: plus(MONDAY, 15),
      },
      {
        name: 'remediation refused at tier 2: tier 3',
        s: { now: 20, notified: [onOpen, [2, 'AcknowledgeDeadlineExceeded', 15]], remediation: 'Refused' },
        fire: ['3/RemediationRefused'],
        tier: 3,
        next: plus(MONDAY, 35),
      },
      {
        name: 'remediation failed at the top tier: nowhere to go',
        s: { now: 61, ack: 5, notified: [onOpen, [3, 'ResponseDeadlineExceeded', 60]], remediation: 'Failed' },
        fire: [],
        tier: 3,
      },
      { name: 'remediation succeeded: no escalation', s: { now: 5, notified: [onOpen], remediation: 'Succeeded' }, fire: [], tier: 1, next: plus(MONDAY, 15) },
      { name: 'P0 on a Saturday night pages tier 1 at once', s: { severity: 'P0', openedAt: SATURDAY }, fire: ['1/OnOpen'], tier: 1, next: plus(SATURDAY, 5) },
      {
        name: 'P2 on a Saturday waits for Monday 09:00',
        s: { severity: 'P2', openedAt: SATURDAY },
        fire: [],
        tier: 0,
        next: new Date('2025-06-09T09:00:00Z'),
      },
      {
        name: 'P2 from Saturday notifies on Monday 09:00, acknowledge clock counts from then',
        s: { severity: 'P2', openedAt: SATURDAY, now: (2 * 24 + 6) * 60 },
        fire: ['1/OnOpen'],
        tier: 1,
        next: new Date('2025-06-09T09:15:00Z'),
      },
      {
        name: 'P2 remediation failure after hours waits for business hours',
        s: { severity: 'P2', openedAt: new Date('2025-06-06T16:30:00Z'), now: 120, ack: 5, notified: [onOpen], remediation: 'Failed' },
        fire: [],
        tier: 1,
        next: new Date('2025-06-09T09:00:00Z'),
      },
      {
        name: 'P2 acknowledge deadline counted in business time (Mon 16:50 -> Tue 09:05)',
        s: { severity: 'P2', openedAt: new Date('2025-06-02T16:50:00Z'), now: 20, notified: [onOpen] },
        fire: [],
        tier: 1,
        next: new Date('2025-06-03T09:05:00Z'),
      },
      {
        name: 'P2 with an invalid calendar fails open (pages 24/7)',
        s: { severity: 'P2', openedAt: SATURDAY, policy: policy(defaultEscalationPolicy().tiers, { calendar: { timeZone: 'Bad/Zone', days: ['Mon'], start: '09:00', end: '17:00' } }) },
        fire: ['1/OnOpen'],
        tier: 1,
        next: plus(SATURDAY, 15),
      },
      {
        name: 'P0 marked businessHoursOnly still pages 24/7',
        s: {
          severity: 'P0',
          openedAt: SATURDAY,
          policy: policy(defaultEscalationPolicy().tiers, { severityRules: [{ severity: 'P0', businessHoursOnly: true }] }),
        },
        fire: ['1/OnOpen'],
        tier: 1,
        next: plus(SATURDAY, 15),
      },
      {
        name: 'tierOnOpen overrides the OnOpen triggers',
        s: { severity: 'P0', policy: policy([tier(1, ['OnOpen']), tier(2, ['OnOpen'])], { severityRules: [{ severity: 'P0', tierOnOpen: 2, businessHoursOnly: false }] }) },
        fire: ['2/OnOpen'],
        tier: 2,
      },
      {
        name: 'without tierOnOpen every OnOpen tier is notified',
        s: { severity: 'P0', policy: policy([tier(1, ['OnOpen']), tier(2, ['OnOpen'])], { severityRules: [] }) },
        fire: ['1/OnOpen', '2/OnOpen'],
        tier: 2,
      },
      { name: 'known current tier without history does not re-open', s: { now: 1, currentTier: 1 }, fire: [], tier: 1, next: plus(MONDAY, 15) },
      {
        name: 'AfterDelay tier waits for its delay',
        s: { severity: 'P3', now: 119, notified: [onOpen], ack: 1, policy: policy([tier(1, ['OnOpen']), tier(2, ['AfterDelay'], 120)]) },
        fire: [],
        tier: 1,
        next: plus(MONDAY, 120),
      },
      {
        name: 'AfterDelay tier fires after its delay even when acknowledged',
        s: { severity: 'P3', now: 120, notified: [onOpen], ack: 1, policy: policy([tier(1, ['OnOpen']), tier(2, ['AfterDelay'], 120)]) },
        fire: ['2/AfterDelay'],
        tier: 2,
      },
      {
        name: 'AfterDelay due on a weekend waits for business hours (P3)',
        s: { severity: 'P3', openedAt: new Date('2025-06-06T16:00:00Z'), now: 30, ack: 1, notified: [onOpen], policy: policy([tier(1, ['OnOpen']), tier(2, ['AfterDelay'], 120)]) },
        fire: [],
        tier: 1,
        next: new Date('2025-06-09T09:00:00Z'),
      },
      { name: 'P0 repeat not yet due', s: { severity: 'P0', now: 4, notified: [onOpen] }, fire: [], tier: 1, next: plus(MONDAY, 5) },
      { name: 'P0 repeats tier 1 every 5 minutes until acknowledged', s: { severity: 'P0', now: 5, notified: [onOpen] }, fire: ['1/Repeat'], tier: 1, next: plus(MONDAY, 10) },
      { name: 'repeat counts from the latest notification', s: { severity: 'P0', now: 9, notified: [onOpen, [1, 'Repeat', 5]] }, fire: [], tier: 1, next: plus(MONDAY, 10) },
      { name: 'acknowledgement stops repeats', s: { severity: 'P0', now: 9, ack: 3, notified: [onOpen] }, fire: [], tier: 1, next: plus(MONDAY, 15) },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const d = decideEscalation(input(c.s));
        expect(fired(d), 'fire').to.deep.equal(c.fire);
        expect(d.tier, 'tier').to.equal(c.tier);
        expect(d.nextEvaluationAt?.toISOString(), 'nextEvaluationAt').to.equal(c.next?.toISOString());
      });
    }

    it('is idempotent: replaying a decision with its notifications recorded fires nothing new', () => {
      for (const c of cases) {
        const first = input(c.s);
        const d1 = decideEscalation(first);
        const recorded = d1.fire.map((f) => ({ tier: f.tier, trigger: f.trigger, at: first.now.toISOString() }));
        const d2 = decideEscalation({ ...first, currentTier: d1.tier, notified: [...first.notified, ...recorded] });
        expect(fired(d2), c.name).to.deep.equal([]);
      }
    });

    it('reasons are PascalCase constants and messages name the tier without secrets', () => {
      const d = decideEscalation(input({ now: 70, remediation: 'Failed', notified: [[1, 'OnOpen', 0]] }));
      expect(d.fire.map((f) => f.reason)).to.deep.equal([
        EscalationReasons.AcknowledgeDeadlineExceeded,
        EscalationReasons.ResponseDeadlineExceeded,
      ]);
      for (const f of d.fire) {
        expect(f.reason).to.match(/^[A-Z][a-zA-Z]+$/);
        expect(f.message).to.match(/^P1 incident /);
        expect(f.message).to.not.match(/incident-notifications|slack-url|routing-key|webhook/);
      }
      expect(d.fire[0]?.message).to.contain('escalating to tier 2 (Engineering team lead)');
      expect(d.fire[1]?.message).to.contain('tier 3 (VP of Engineering / CTO)');
    });
  });

  describe('escalateToNextTier', () => {
    const p = defaultEscalationPolicy();
    const cases: { name: string; current: number; trigger?: 'RemediationFailed' | 'AcknowledgeDeadlineExceeded'; want?: number }[] = [
      { name: 'from nothing to tier 1', current: 0, want: 1 },
      { name: 'from tier 1 to tier 2', current: 1, want: 2 },
      { name: 'from tier 2 to tier 3', current: 2, want: 3 },
      { name: 'top tier has no next', current: 3 },
      { name: 'skips tiers that do not take the trigger', current: 0, trigger: 'RemediationFailed', want: 2 },
      { name: 'trigger only on tier 2', current: 2, trigger: 'AcknowledgeDeadlineExceeded' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(escalateToNextTier(p, c.current, c.trigger)?.level).to.equal(c.want);
      });
    }
  });

  describe('policyDeadlines', () => {
    const cases: { name: string; severity: Severity; openedAt: Date; ack: string; respond: string }[] = [
      { name: 'P1 pages 24/7: wall-clock deadlines', severity: 'P1', openedAt: SATURDAY, ack: '2025-06-07T03:15:00.000Z', respond: '2025-06-07T04:00:00.000Z' },
      { name: 'P2 is business-hours only: clock starts Monday 09:00', severity: 'P2', openedAt: SATURDAY, ack: '2025-06-09T09:15:00.000Z', respond: '2025-06-09T13:00:00.000Z' },
      { name: 'P3 24 business hours = three working days', severity: 'P3', openedAt: MONDAY, ack: '2025-06-02T10:15:00.000Z', respond: '2025-06-05T10:00:00.000Z' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const d = policyDeadlines(defaultEscalationPolicy(), c.severity, c.openedAt);
        expect(d.acknowledgeBy.toISOString()).to.equal(c.ack);
        expect(d.respondBy.toISOString()).to.equal(c.respond);
      });
    }
  });

  describe('defaultEscalationPolicy', () => {
    it('follows the runbook tiers and references the notification Secret by key only', () => {
      const p = defaultEscalationPolicy();
      expect(p.tiers.map((t) => `${t.level}:${t.name}`)).to.deep.equal([
        '1:On-call engineer',
        '2:Engineering team lead',
        '3:VP of Engineering / CTO',
      ]);
      const refs = p.tiers.flatMap((t) => t.targets.flatMap((x) => [x.secretRef, ...(x.hmacSecretRef ? [x.hmacSecretRef] : [])]));
      expect(new Set(refs.map((r) => r.name))).to.deep.equal(new Set([DEFAULT_NOTIFICATION_SECRET]));
      expect(new Set(refs.map((r) => r.key))).to.deep.equal(new Set(['pagerduty-routing-key', 'slack-url', 'webhook-url', 'webhook-hmac']));
      expect(validateEscalationPolicy(p)).to.deep.equal([]);
    });
  });

  describe('manifests', () => {
    interface Schema {
      type?: string;
      enum?: unknown[];
      required?: string[];
      properties?: Record<string, Schema>;
      items?: Schema;
      'x-kubernetes-preserve-unknown-fields'?: boolean;
    }
    const crd = loadYaml<{ spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }>(readFileSync('crds/escalationpolicy.yaml', 'utf8'));
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    const spec = root.properties!.spec!;
    const at = (path: string): Schema =>
      path.split('.').reduce<Schema>((s, k) => (k === '[]' ? s.items! : s.properties![k]!), spec);

    it('the sample is the built-in default policy', () => {
      const sample = loadYaml<{ kind: string; metadata: { name: string }; spec: unknown }>(
        readFileSync('deploy/samples/escalation-policy-default.yaml', 'utf8'),
      );
      expect(sample.kind).to.equal('EscalationPolicy');
      expect(sample.metadata.name).to.equal('default');
      expect(sample.spec).to.deep.equal(defaultEscalationPolicy());
    });

    const enums: { path: string; values: readonly unknown[] }[] = [
      { path: 'tiers.[].targets.[].type', values: TARGET_TYPES },
      { path: 'tiers.[].triggers.[]', values: ESCALATION_TRIGGERS },
      { path: 'severityRules.[].severity', values: SEVERITIES },
      { path: 'calendar.days.[]', values: WEEKDAYS },
    ];
    for (const e of enums) {
      it(`CRD enum ${e.path} matches the TypeScript constants`, () => {
        expect([...(at(e.path).enum ?? [])].sort()).to.deep.equal([...e.values].sort());
      });
    }

    it('declares every field of the default policy (nothing is pruned) and preserves no unknown fields', () => {
      const undeclared: string[] = [];
      const walk = (value: unknown, schema: Schema, path: string): void => {
        expect(schema['x-kubernetes-preserve-unknown-fields'], path).to.equal(undefined);
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, schema.items!, `${path}[${i}]`));
        else if (value && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) {
            const child = schema.properties?.[k];
            if (child) walk(v, child, `${path}.${k}`);
            else undeclared.push(`${path}.${k}`);
          }
          for (const r of schema.required ?? []) expect(value, path).to.have.property(r);
        }
      };
      walk(defaultEscalationPolicy(), spec, 'spec');
      expect(undeclared).to.deep.equal([]);
      expect(JSON.stringify(root)).to.not.contain('x-kubernetes-preserve-unknown-fields');
    });
  });
});
