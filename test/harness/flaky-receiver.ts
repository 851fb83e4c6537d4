/**
 * A loopback HTTP receiver that fails in the ways real receivers do, for the delivery tests: an HTTP status
 * (503, 429 with Retry-After), connection resets (the socket is destroyed after the request arrived), hangs
 * (no answer: the sender times out), and an outage (the port refuses connections), switchable at any time.
 * Every request is recorded with the mode that answered it; `recoveredAt` marks the last switch back to OK.
 * It can also answer like Slack's Web API (`{"ok":true,"ts":...}`) for chat.postMessage targets.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Receiver, RecordedRequest } from './receivers.js';

export type FailureMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'down' };

export interface FlakyRequest extends RecordedRequest {
  /** How this request was answered (reset and hang requests got no HTTP answer: status 0). */
  mode: FailureMode['kind'];
}

export interface FlakyReceiver extends Receiver {
  readonly requests: FlakyRequest[];
  successful(filter?: (r: FlakyRequest) => boolean): FlakyRequest[];
  /** Switch how the next requests are answered ('down' closes the port, anything else re-opens it). */
  setMode(mode: FailureMode): Promise<void>;
  /** When the receiver last switched to OK (undefined while it never failed). */
  readonly recoveredAt: Date | undefined;
  /** Requests answered 2xx, the first one per `webhook-id` (what a de-duplicating receiver keeps). */
  deduplicated(filter?: (r: FlakyRequest) => boolean): FlakyRequest[];
}

function readAll(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFlakyReceiver(opts: { successStatus?: number; slackApi?: boolean } = {}): Promise<FlakyReceiver> {
  const successStatus = opts.successStatus ?? 200;
  const requests: FlakyRequest[] = [];
  let mode: FailureMode = { kind: 'ok' };
  let recoveredAt: Date | undefined;
  let port = 0;
  let server: http.Server | undefined;
  const sockets = new Set<Socket>();
  let ts = 1_700_000_000;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void readAll(req).then((rawBody) => {
      let body: any;
      try { body = JSON.parse(rawBody); } catch { body = undefined; }
      const m = mode;
      const status = m.kind === 'ok' ? successStatus : m.kind === 'status' ? m.status : 0;
      requests.push({ method: req.method ?? '', path: (req.url ?? '/').split('?')[0] ?? '/', headers: req.headers, rawBody, body, receivedAt: new Date(), status, mode: m.kind });
      if (m.kind === 'reset') { req.socket.destroy(); return; }
      if (m.kind === 'hang') return; // the sender's timeout ends it
      if (status >= 200 && status < 300) {
        const payload = opts.slackApi ? JSON.stringify({ ok: true, channel: body?.channel, ts: `${ts++}.000100` }) : 'ok';
        res.writeHead(status, { 'content-type': opts.slackApi ? 'application/json' : 'text/plain' }).end(payload);
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain', ...(m.kind === 'status' ? m.headers ?? {} : {}) }).end('unavailable');
    }, () => res.destroy());
  };

  const listen = (): Promise<void> => new Promise((resolve, reject) => {
    const s = http.createServer(handler);
    s.on('connection', (sock: Socket) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => { s.off('error', reject); port = (s.address() as AddressInfo).port; server = s; resolve(); });
  });
  const stop = async (): Promise<void> => {
    const s = server;
    if (!s) return;
    server = undefined;
    await new Promise<void>((resolve) => { s.close(() => resolve()); for (const sock of sockets) sock.destroy(); sockets.clear(); });
  };

  await listen();
  const self: FlakyReceiver = {
    get port() { return port; },
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    successful: (filter) => requests.filter((r) => r.status >= 200 && r.status < 300 && (!filter || filter(r))),
    failWith: (status, headers = {}) => { void self.setMode(status === undefined ? { kind: 'ok' } : { kind: 'status', status, headers }); },
    async setMode(next) {
      const wasFailing = mode.kind !== 'ok';
      if (next.kind === 'down') await stop();
      else if (!server) await listen();
      // Hanging requests of the previous mode are cut when switching (the sender has timed out by then anyway).
      if (mode.kind === 'hang' && next.kind !== 'hang') for (const sock of sockets) sock.destroy();
      mode = next;
      if (next.kind === 'ok' && wasFailing) recoveredAt = new Date();
    },
    get recoveredAt() { return recoveredAt; },
    deduplicated(filter) {
      const seen = new Set<string>();
      return requests.filter((r) => {
        if (!(r.status >= 200 && r.status < 300) || (filter && !filter(r))) return false;
        const id = String(r.headers['webhook-id'] ?? '');
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    },
    stop: () => self.setMode({ kind: 'down' }),
    start: () => self.setMode({ kind: 'ok' }),
    get running() { return server !== undefined; },
    close: stop,
  };
  return self;
}

export interface FlakyReceivers {
  slack: FlakyReceiver;
  pagerduty: FlakyReceiver;
  webhook: FlakyReceiver;
  all(): FlakyRequest[];
  close(): Promise<void>;
}

export async function startFlakyReceivers(opts: { slackApi?: boolean } = {}): Promise<FlakyReceivers> {
  const slack = await startFlakyReceiver({ successStatus: 200, slackApi: opts.slackApi });
  const pagerduty = await startFlakyReceiver({ successStatus: 202 });
  const webhook = await startFlakyReceiver({ successStatus: 200 });
  return {
    slack, pagerduty, webhook,
    all: () => [...slack.requests, ...pagerduty.requests, ...webhook.requests],
    close: async () => { await Promise.all([slack.close(), pagerduty.close(), webhook.close()]); },
  };
}
