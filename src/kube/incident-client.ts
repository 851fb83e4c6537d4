/**
 * Incident reads and writes. Status goes through the status subresource with optimistic concurrency:
 * the whole status is replaced at the resourceVersion the reconcile read, so a concurrent writer
 * causes a 409 (the reconcile is retried on a fresh read) instead of a lost update.
 */
import type * as k8s from '@kubernetes/client-node';
import { GROUP, VERSION, INCIDENT_PLURAL, type Incident, type IncidentStatus } from '../api/incident.js';
import { mergePatch } from './clients.js';

export class IncidentClient {
  constructor(private readonly custom: k8s.CustomObjectsApi) {}

  async get(namespace: string, name: string): Promise<Incident> {
    return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INCIDENT_PLURAL, name })) as Incident;
  }

  /** Replace status at `incident.metadata.resourceVersion`; throws ApiException 409 on conflict. */
  async replaceStatus(incident: Incident, status: IncidentStatus): Promise<Incident> {
    const body = { ...structuredClone(stripForWrite(incident)), status };
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, namespace: incident.metadata.namespace, plural: INCIDENT_PLURAL,
      name: incident.metadata.name, body,
    })) as Incident;
  }

  async create(incident: Incident): Promise<Incident> {
    return (await this.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: incident.metadata.namespace, plural: INCIDENT_PLURAL, body: incident,
    })) as Incident;
  }

  async patchMetadataAndSpec(namespace: string, name: string, body: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> }): Promise<Incident> {
    return (await this.custom.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace, plural: INCIDENT_PLURAL, name, body,
    }, mergePatch())) as Incident;
  }
}

function stripForWrite(incident: Incident): Incident {
  const { metadata, ...rest } = incident as Incident & { metadata: Record<string, unknown> };
  const { managedFields: _m, ...meta } = metadata as Record<string, unknown>;
  return { ...rest, metadata: meta } as unknown as Incident;
}
