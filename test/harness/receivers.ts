/**
 * Local HTTP receivers standing in for Slack, PagerDuty and generic webhooks in integration tests.
 * Each listens on 127.0.0.1 (port 0 = random), records every request (method, path, headers, raw and
 * parsed body, the status it answered) and can be told to fail with a status (e.g. 503) or be stopped
 * (connection refused) and restarted on the SAME port to simulate downtime.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  body: any;
  receivedAt: Date;
  /** The status this receiver answered with. */
  status: number;
}

export interface ReceiverOptions {
  /** Status answered when not told to fail: 200 (Slack, webhooks) or 202 (PagerDuty Events API). */
  successStatus?: number;
  /** Called for every request before it is answered (e.g. to verify a signature). */
  inspect?(req: RecordedRequest): void;
}

export interface Receiver {
  readonly port: number;
  /** http://127.0.0.1:<port><path> */
  url(path?: string): string;
  /** Every request received so far (also the failed ones), oldest first. */
  readonly requests: RecordedRequest[];
  /** Requests answered with a 2xx status. */
  successful(filter?: (r: RecordedRequest) => boolean): RecordedRequest[];
  /** Answer every request with `status` (undefined: back to success). */
  failWith(status: number | undefined, headers?: Record<string, string>): void;
  /** Close the listening socket and every open connection: clients get "connection refused". */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  readonly running: boolean;
  close(): Promise<void>;
}

function readAll(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const successStatus = opts.successStatus ?? 200;
  const requests: RecordedRequest[] = [];
  let failure: { status: number; headers: Record<string, string> } | undefined;
  let port = 0;
  let server: http.Server | undefined;
  const sockets = new Set<Socket>();

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void readAll(req).then((rawBody) => {
      let body: any;
      try { body = JSON.parse(rawBody); } catch { body = undefined; }
      const status = failure?.status ?? successStatus;
      const rec: RecordedRequest = {
        method: req.method ?? '', path: (req.url ?? '/').split('?')[0] ?? '/', headers: req.headers,
        rawBody, body, receivedAt: new Date(), status,
      };
      requests.push(rec);
      try { opts.inspect?.(rec); } catch { /* inspection must not break the receiver */ }
      const payload = status >= 200 && status < 300 ? (successStatus === 202 ? '{"status":"success","message":"Event processed"}' : 'ok') : 'unavailable';
      res.writeHead(status, { 'content-type': 'text/plain', ...(failure?.headers ?? {}) }).end(payload);
    }, () => res.destroy());
  };

  const listen = (): Promise<void> => new Promise((resolve, reject) => {
    const s = http.createServer(handler);
    s.on('connection', (sock: Socket) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      s.off('error', reject);
      port = (s.address() as AddressInfo).port;
      server = s;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    const s = server;
    if (!s) return;
    server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of sockets) sock.destroy();
      sockets.clear();
    });
  };

  await listen();
  return {
    get port() { return port; },
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    successful: (filter) => requests.filter((r) => r.status >= 200 && r.status < 300 && (!filter || filter(r))),
    failWith: (status, headers = {}) => { failure = status === undefined ? undefined : { status, headers }; },
    stop,
    start: async () => { if (!server) await listen(); },
    get running() { return server !== undefined; },
    close: stop,
  };
}

/** Slack, PagerDuty and webhook receivers for one test file. */
export interface Receivers {
  slack: Receiver;
  pagerduty: Receiver;
  webhook: Receiver;
  all(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startReceivers(opts: { webhook?: ReceiverOptions } = {}): Promise<Receivers> {
  const slack = await startReceiver({ successStatus: 200 });
  const pagerduty = await startReceiver({ successStatus: 202 });
  const webhook = await startReceiver({ successStatus: 200, ...opts.webhook });
  return {
    slack, pagerduty, webhook,
    all: () => [...slack.requests, ...pagerduty.requests, ...webhook.requests],
    close: async () => { await Promise.all([slack.close(), pagerduty.close(), webhook.close()]); },
  };
}
