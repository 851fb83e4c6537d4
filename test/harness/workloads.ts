/** Fixture builders for Deployments used by integration tests. */
export interface DeploymentFixture {
  name: string;
  namespace: string;
  image?: string;
  replicas?: number;
  crashLoop?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  paused?: boolean;
  changeCause?: string;
}

export function deploymentYaml(f: DeploymentFixture): string {
  const labels = { app: f.name, ...(f.labels ?? {}) };
  const podLabels: Record<string, string> = { app: f.name, ...(f.crashLoop ? { 'chaos.runbook.dev/crashloop': 'true' } : {}) };
  const annotations = { ...(f.annotations ?? {}), ...(f.changeCause ? { 'kubernetes.io/change-cause': f.changeCause } : {}) };
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: f.name, namespace: f.namespace, labels, annotations },
    spec: {
      replicas: f.replicas ?? 3,
      paused: f.paused ?? false,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: f.name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{ name: 'app', image: f.image ?? 'example.test/app:1.0.0' }],
          // kwok nodes carry this taint; real nodes ignore the toleration.
          tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    },
  };
  return JSON.stringify(obj);
}
