/**
 * PagerDuty Change Events (Events API v2 `change/enqueue`) for the changes the operator makes — pure.
 * https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
 * Every rollback and every query termination is sent to the PagerDuty services of the incident's policy, so
 * responders see it on the service's timeline next to the incident.
 */
import { safeIdent, safeOperatorText, truncate } from './format-common.js';

export const PagerDutyChangeEventsUrl = 'https://events.pagerduty.com/v2/change/enqueue';

export type OperatorChangeAction = 'rollback' | 'query-termination';

/** What the operator changed (built from the Incident's status: operator-written, already redacted). */
export interface OperatorChange {
  action: OperatorChangeAction;
  /** e.g. "rolled back records from revision 2 to revision 1". */
  message: string;
  namespace: string;
  incidentName: string;
  incidentUid: string;
  /** Affected Deployment, when any. */
  target?: string;
  /** ISO time the change completed. */
  at: string;
}

export interface PagerDutyChangeEvent {
  routing_key: string;
  payload: {
    summary: string;
    timestamp: string;
    source: string;
    custom_details: { action: OperatorChangeAction; incident: string; namespace: string; incident_uid: string; target?: string };
  };
}

/** The event without the routing key (what the outbox stores; the key is a secret, added at send time). */
export type StoredChangeEvent = Omit<PagerDutyChangeEvent, 'routing_key'>;

const Titles: Record<OperatorChangeAction, string> = { rollback: 'Rollback', 'query-termination': 'Query termination' };

export function buildChangeEvent(change: OperatorChange): StoredChangeEvent {
  const ns = safeIdent(change.namespace, 63);
  const name = safeIdent(change.incidentName, 253);
  const target = change.target ? safeIdent(change.target, 253) : undefined;
  const ms = Date.parse(change.at);
  const summary = truncate(`${Titles[change.action]} by incident-operator: ${safeOperatorText(change.message, 900)} (incident ${ns}/${name})`, 1024);
  const ev: StoredChangeEvent = {
    payload: {
      summary,
      timestamp: new Date(Number.isFinite(ms) ? ms : 0).toISOString(),
      source: target ? `k8s:${ns}/deployment/${target}` : `k8s:${ns}/incident/${name}`,
      custom_details: { action: change.action, incident: name, namespace: ns, incident_uid: safeIdent(change.incidentUid, 64) },
    },
  };
  if (target) ev.payload.custom_details.target = target;
  return ev;
}
