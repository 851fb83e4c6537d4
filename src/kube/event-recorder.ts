/**
 * Kubernetes Events on Incidents (the story `kubectl describe incident` tells). Messages are composed by
 * the operator from redacted evidence; they are length-bounded here. A failed Event never fails a
 * reconcile: it is logged and dropped (Events are best effort in Kubernetes too).
 */
import type * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { describeError } from '../runtime/kube-errors.js';
import { systemClock, type Clock } from '../runtime/clock.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventRecorder {
  record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export class KubeEventRecorder implements EventRecorder {
  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    private readonly component = 'incident-operator',
    private readonly host = process.env.HOSTNAME ?? 'local',
  ) {}

  async record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = this.clock.now();
    const body: k8s.CoreV1Event = {
      metadata: { name: `${obj.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`.slice(0, 253), namespace: obj.namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.name, namespace: obj.namespace, uid: obj.uid, resourceVersion: obj.resourceVersion },
      type,
      reason: reason.slice(0, 128),
      message: message.slice(0, 1024),
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host.slice(0, 128),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.core.createNamespacedEvent({ namespace: obj.namespace, body });
    } catch (e) {
      this.log.warn('event not recorded', { reason, object: `${obj.namespace}/${obj.name}`, ...describeError(e) });
    }
  }
}
