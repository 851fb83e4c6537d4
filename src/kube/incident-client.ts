/**
 * Incident reads and writes. Status goes through the status subresource with optimistic concurrency:
 * the whole status is replaced at the resourceVersion the reconcile read, so a concurrent writer
 * causes a 409 (the reconcile is retried on a fresh read) instead of a lost update.
 */
import type * as k8s from '@kubernetes/client-node';
import { GROUP, VERSION, INCIDENT_PLURAL, incidentFromApi, type Incident, type IncidentStatus } from '../api/incident.js';
import { mergePatch } from './clients.js';

export class IncidentClient {
  constructor(private readonly custom: k8s.CustomObjectsApi) {}

  async get(namespace: string, name: string): Promise<Incident> {
    return incidentFromApi(await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INCIDENT_PLURAL, name }));
  }

  /** Replace status at `incident.metadata.resourceVersion`; throws ApiException 409 on conflict. */
  async replaceStatus(incident: Incident, status: IncidentStatus): Promise<Incident> {
    const body = { ...structuredClone(stripForWrite(incident)), status };
    return incidentFromApi(await this.custom.replaceNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, namespace: incident.metadata.namespace, plural: INCIDENT_PLURAL,
      name: incident.metadata.name, body,
    }));
  }

  async create(incident: Incident): Promise<Incident> {
    return incidentFromApi(await this.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: incident.metadata.namespace, plural: INCIDENT_PLURAL, body: incident,
    }));
  }

  async patchMetadataAndSpec(namespace: string, name: string, body: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> }): Promise<Incident> {
    return incidentFromApi(await this.custom.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace, plural: INCIDENT_PLURAL, name, body,
    }, mergePatch()));
  }
}

/** The object without metadata.managedFields (never sent back). */
function stripForWrite(incident: Incident): Incident {
  const { metadata, ...rest } = incident;
  const { managedFields: _m, ...meta }: Incident['metadata'] & { managedFields?: unknown } = metadata;
  return { ...rest, metadata: meta };
}
