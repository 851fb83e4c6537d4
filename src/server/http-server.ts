/** One small node:http server per listener (src/server/listeners.ts): exact-path routes, 404 otherwise. */
import http from 'node:http';
import type { Logger } from '../log.js';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RouteServerOptions {
  host: string;
  port: number;
  routes: Record<string, Route>;
  log: Logger;
}

export function startRouteServer(opts: RouteServerOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      const route = Object.prototype.hasOwnProperty.call(opts.routes, path) ? opts.routes[path] : undefined;
      if (route) { route(req, res); return; }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (e) {
      opts.log.error('http handler failed', { path, error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) res.writeHead(500).end('internal error');
    }
  });
  // Slow or idle clients must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(server); });
  });
}
