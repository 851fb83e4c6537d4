/**
 * The one Secret reader: a Secret's keys as UTF-8 strings (`data` base64-decoded, `stringData` on top),
 * with a clear error that tells "not found" from "forbidden". Values are never logged or echoed.
 */
import type * as k8s from '@kubernetes/client-node';
import { statusCode } from '../runtime/kube-errors.js';

export type SecretProblem = 'NotFound' | 'Forbidden' | 'ReadFailed';

export class SecretReadError extends Error {
  constructor(readonly secret: string, readonly problem: SecretProblem) {
    super(problem === 'NotFound' ? `Secret ${secret} not found`
      : problem === 'Forbidden' ? `Secret ${secret}: forbidden (the operator's RBAC does not allow reading it)`
        : `Secret ${secret}: read failed`);
    this.name = 'SecretReadError';
  }
}

/** Decodes a Secret object's keys (pure). */
export function secretData(secret: Pick<k8s.V1Secret, 'data' | 'stringData'>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
  return data;
}

/** Reads `namespace/name`; throws SecretReadError. */
export async function readSecretData(core: k8s.CoreV1Api, namespace: string, name: string): Promise<Record<string, string>> {
  let secret: k8s.V1Secret;
  try {
    secret = await core.readNamespacedSecret({ name, namespace });
  } catch (e) {
    const code = statusCode(e);
    throw new SecretReadError(name, code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : 'ReadFailed');
  }
  return secretData(secret);
}
