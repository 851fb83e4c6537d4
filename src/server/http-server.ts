/** /healthz, /readyz, /metrics and extra routes (Alertmanager intake) on one small node:http server. */
import http from 'node:http';
import type { Logger } from '../log.js';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface HttpServerOptions {
  host: string;
  port: number;
  ready(): { ready: boolean; detail: Record<string, unknown> };
  metrics(): Promise<{ contentType: string; body: string }>;
  routes?: Record<string, Route>;
  log: Logger;
}

export function startHttpServer(opts: HttpServerOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      if (path === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'); return; }
      if (path === '/readyz') {
        const r = opts.ready();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: r.ready, ...r.detail }));
        return;
      }
      if (path === '/metrics') {
        opts.metrics().then(
          (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
          () => res.writeHead(500).end('metrics failed'),
        );
        return;
      }
      const route = opts.routes?.[path];
      if (route) { route(req, res); return; }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (e) {
      opts.log.error('http handler failed', { path, error: (e as Error).message });
      if (!res.headersSent) res.writeHead(500).end('internal error');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(server); });
  });
}
