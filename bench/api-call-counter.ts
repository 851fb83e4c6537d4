/**
 * A KubeConfig that counts every API request made through clients it builds (makeApiClient), by verb and
 * resource path with namespace and object names folded (`PUT incidents/status`, `POST events`, …).
 * Watches go through applyToFetchOptions and are not counted: they are streams, not round trips.
 */
import * as k8s from '@kubernetes/client-node';

type SecurityContext = Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0];

/** `/apis/runbook.dev/v1alpha1/namespaces/x/incidents/y/status` → `incidents/status`; `/api/v1/namespaces/x/events` → `events`. */
export function resourceOf(url: string): string {
  const path = new URL(url).pathname.split('/').filter(Boolean);
  const rest = path[0] === 'api' ? path.slice(2) : path.slice(3);
  const afterNs = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource, name, sub] = afterNs;
  return sub ? `${resource}/${sub}` : name ? `${resource}/{name}` : resource ?? '(root)';
}

export class CountingKubeConfig extends k8s.KubeConfig {
  private calls = new Map<string, number>();
  private counting = true;

  override async applySecurityAuthentication(context: SecurityContext): Promise<void> {
    if (this.counting) {
      const key = `${context.getHttpMethod()} ${resourceOf(context.getUrl())}`;
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    }
    return super.applySecurityAuthentication(context);
  }

  /** Starts counting afresh (e.g. after start-up lists). */
  reset(): void { this.calls.clear(); this.counting = true; }
  /** Stops counting; the counts so far stay readable. */
  freeze(): void { this.counting = false; }
  count(key: string): number { return this.calls.get(key) ?? 0; }
  snapshot(): Record<string, number> { return Object.fromEntries([...this.calls].sort((a, b) => b[1] - a[1])); }
  total(): number { let n = 0; for (const v of this.calls.values()) n += v; return n; }
}
