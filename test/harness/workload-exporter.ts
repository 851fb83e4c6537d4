/**
 * The test workload's metrics: kwok runs no containers, so this loopback process stands in for the
 * application Prometheus scrapes. Per Deployment it simulates traffic (100 requests/s) into
 * `http_requests_total{namespace,deployment,code}` and `http_request_duration_seconds` (a histogram), good
 * or bad depending on which revision is live: the test maps revisions (by image — a rollback renumbers the
 * revision but keeps the image) to `good` / `bad`, and `followDeployment` tells the exporter which image the
 * Deployment's template runs now. `GET /healthz/<ns>/<deployment>` answers 200 (good) or 503 (bad) for probes.
 *
 * Control endpoint: `PUT /control` with `{namespace, deployment, modes?: {<image>: 'good'|'bad'}, current?: <image>}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminAppsApi } from './rollout.js';

export type Mode = 'good' | 'bad';

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Bad releases fail this share of requests with 500 and answer in 1.5 s; good ones in 50 ms, no errors. */
export const BAD_ERROR_SHARE = 0.4;
const REQUESTS_PER_TICK = 10;
const TICK_MS = 100;

interface Workload {
  namespace: string;
  deployment: string;
  modes: Map<string, Mode>;
  current?: string;
  requests: Map<string, number>;
  buckets: number[];
  sum: number;
  count: number;
}

export interface Scrape {
  at: number;
  /** The mode each workload was serving at this scrape. */
  modes: Record<string, Mode | undefined>;
}

export interface WorkloadExporter {
  url: string;
  address: string;
  /** Maps images (revisions) to good/bad. */
  setModes(namespace: string, deployment: string, modes: Record<string, Mode>): Promise<void>;
  setCurrent(namespace: string, deployment: string, image: string): Promise<void>;
  /** The mode served now, per workload key `ns/name`. */
  modeOf(namespace: string, deployment: string): Mode | undefined;
  scrapes(): readonly Scrape[];
  /** When the first scrape after `since` saw the workload serving `bad`. */
  firstBadScrapeAfter(namespace: string, deployment: string, since: number): number | undefined;
  stop(): Promise<void>;
}

export async function startWorkloadExporter(): Promise<WorkloadExporter> {
  const workloads = new Map<string, Workload>();
  const scrapes: Scrape[] = [];
  const get = (ns: string, name: string): Workload => {
    const key = `${ns}/${name}`;
    let w = workloads.get(key);
    if (!w) {
      w = { namespace: ns, deployment: name, modes: new Map(), requests: new Map([['200', 0], ['500', 0]]), buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      workloads.set(key, w);
    }
    return w;
  };
  const mode = (w: Workload): Mode | undefined => (w.current ? w.modes.get(w.current) ?? 'good' : undefined);
  let tickNo = 0;
  const tick = setInterval(() => {
    tickNo++;
    for (const w of workloads.values()) {
      const m = mode(w);
      if (!m) continue;
      const errors = m === 'bad' ? Math.round(REQUESTS_PER_TICK * BAD_ERROR_SHARE) : 0;
      w.requests.set('500', (w.requests.get('500') ?? 0) + errors);
      w.requests.set('200', (w.requests.get('200') ?? 0) + REQUESTS_PER_TICK - errors);
      const latency = m === 'bad' ? 1.5 : 0.05 + (tickNo % 3) * 0.01;
      for (let i = 0; i < REQUESTS_PER_TICK; i++) {
        w.count++;
        w.sum += latency;
        BUCKETS.forEach((b, j) => { if (latency <= b) w.buckets[j]!++; });
      }
    }
  }, TICK_MS);
  tick.unref();

  const exposition = (): string => {
    const lines = [
      '# HELP http_requests_total Requests served by the test workload.',
      '# TYPE http_requests_total counter',
    ];
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    for (const w of workloads.values()) {
      const l = `namespace="${esc(w.namespace)}",deployment="${esc(w.deployment)}"`;
      for (const [code, n] of w.requests) lines.push(`http_requests_total{${l},code="${code}"} ${n}`);
    }
    lines.push('# HELP http_request_duration_seconds Request latency of the test workload.', '# TYPE http_request_duration_seconds histogram');
    for (const w of workloads.values()) {
      const l = `namespace="${esc(w.namespace)}",deployment="${esc(w.deployment)}"`;
      BUCKETS.forEach((b, j) => lines.push(`http_request_duration_seconds_bucket{${l},le="${b}"} ${w.buckets[j]}`));
      lines.push(`http_request_duration_seconds_bucket{${l},le="+Inf"} ${w.count}`);
      lines.push(`http_request_duration_seconds_sum{${l}} ${w.sum}`, `http_request_duration_seconds_count{${l}} ${w.count}`);
    }
    return `${lines.join('\n')}\n`;
  };

  const readBody = (req: http.IncomingMessage): Promise<string> => new Promise((resolve) => {
    let b = '';
    req.on('data', (c: Buffer) => { b += c.toString('utf8'); });
    req.on('end', () => resolve(b));
  });

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/metrics') {
        scrapes.push({ at: Date.now(), modes: Object.fromEntries([...workloads].map(([k, w]) => [k, mode(w)])) });
        if (scrapes.length > 10_000) scrapes.splice(0, 5_000);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition());
        return;
      }
      const probe = /^\/healthz\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && probe) {
        const w = workloads.get(`${probe[1]}/${probe[2]}`);
        const m = w && mode(w);
        res.writeHead(m === 'bad' ? 503 : m === 'good' ? 200 : 404).end(m ?? 'unknown');
        return;
      }
      if (req.method === 'PUT' && url.pathname === '/control') {
        const body = JSON.parse(await readBody(req)) as { namespace: string; deployment: string; modes?: Record<string, Mode>; current?: string };
        const w = get(body.namespace, body.deployment);
        for (const [k, v] of Object.entries(body.modes ?? {})) w.modes.set(k, v);
        if (body.current !== undefined) w.current = body.current;
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    })().catch(() => { res.writeHead(500).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${address}`;
  const control = async (body: unknown) => {
    const r = await fetch(`${url}/control`, { method: 'PUT', body: JSON.stringify(body) });
    if (r.status !== 204) throw new Error(`exporter control: ${r.status}`);
  };
  return {
    url, address,
    setModes: (namespace, deployment, modes) => control({ namespace, deployment, modes }),
    setCurrent: (namespace, deployment, current) => control({ namespace, deployment, current }),
    modeOf: (ns, name) => { const w = workloads.get(`${ns}/${name}`); return w && mode(w); },
    scrapes: () => scrapes,
    firstBadScrapeAfter: (ns, name, since) => scrapes.find((s) => s.at >= since && s.modes[`${ns}/${name}`] === 'bad')?.at,
    async stop() {
      clearInterval(tick);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Keeps the exporter's live image of a Deployment in step with its pod template (polled every 200 ms with
 * the admin client), so a rollback by the operator switches the simulated traffic back to the good release.
 */
export function followDeployment(exporter: WorkloadExporter, namespace: string, name: string): { stop(): void; changes: { at: number; image: string }[] } {
  const apps = adminAppsApi();
  const changes: { at: number; image: string }[] = [];
  let last: string | undefined;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        const d = await apps.readNamespacedDeployment({ name, namespace });
        const image = d.spec?.template?.spec?.containers?.[0]?.image;
        if (image && image !== last) {
          last = image;
          changes.push({ at: Date.now(), image });
          await exporter.setCurrent(namespace, name, image);
        }
      } catch { /* not created yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void loop();
  return { stop: () => { stopped = true; }, changes };
}
