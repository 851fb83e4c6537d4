/**
 * Slack Web API `chat.postMessage` (app / bot token targets) — pure parts.
 *
 * A Slack target with a `channel` is an app target: its Secret holds a bot token (`xoxb-…`), the message is
 * posted with chat.postMessage, and every follow-up for the same incident goes into the thread of the first
 * message (`thread_ts` = the `ts` Slack returned for it, kept in the Incident's status). The resolve is also
 * broadcast to the channel. Targets without a channel keep using incoming webhooks (no threads there).
 * https://api.slack.com/methods/chat.postMessage
 */
import type { DeliveryResult } from './types.js';

export const SlackPostMessageUrl = 'https://slack.com/api/chat.postMessage';

/** Slack error codes worth retrying; every other `ok: false` is permanent (bad token, unknown channel…). */
export const RetryableSlackErrors: ReadonlySet<string> = new Set([
  'ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org',
]);

export interface SlackPostOptions {
  channel: string;
  threadTs?: string;
  /** Also show a thread reply in the channel (used for the resolve). */
  broadcast?: boolean;
}

/**
 * The chat.postMessage body: the stored message (text + blocks) plus channel and thread. Deterministic for
 * the same inputs, so every retry carries the same bytes.
 */
export function postMessagePayload(storedMessage: string, opts: SlackPostOptions): string {
  const parsed: unknown = JSON.parse(storedMessage);
  const message = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  const body: Record<string, unknown> = { channel: opts.channel, ...message, unfurl_links: false, unfurl_media: false };
  if (opts.threadTs) {
    body.thread_ts = opts.threadTs;
    if (opts.broadcast) body.reply_broadcast = true;
  }
  return JSON.stringify(body);
}

/** Slack timestamps look like "1712345678.123456". */
export function isSlackTs(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,12}\.\d{1,9}$/u.test(value);
}

/**
 * Classifies a chat.postMessage answer (HTTP 200 with `{ok, ts, error}`). Only `ok`, `ts` and a
 * well-formed `error` code are read from the body; nothing else of it reaches status or logs.
 */
export function classifySlackApiAnswer(prefix: string, status: number, text: string): DeliveryResult {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  const obj = parsed && typeof parsed === 'object' ? (parsed as { ok?: unknown; ts?: unknown; error?: unknown }) : undefined;
  if (obj?.ok === true) {
    const result: DeliveryResult = { ok: true, status, retryable: false };
    if (isSlackTs(obj.ts)) result.messageTs = obj.ts;
    return result;
  }
  const code = typeof obj?.error === 'string' && /^[a-z_]{1,64}$/u.test(obj.error) ? obj.error : 'unexpected_response';
  return { ok: false, status, retryable: RetryableSlackErrors.has(code) || code === 'unexpected_response', error: `${prefix}: Slack API error ${code}` };
}
