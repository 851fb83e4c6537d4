// The receiver example of README.md ("Delivery guarantees"), verbatim: test/integration/escalate/paging-delivery.test.ts
// checks that the README still shows exactly these lines and verifies real deliveries with it.
// --- README example start ---
import { createHmac, timingSafeEqual } from 'node:crypto';
/** Standard Webhooks check: `secret` is the Secret's `whsec_…` value, `body` the raw request body. */
export function verifyIncidentWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowMs = Date.now()): boolean {
  const id = String(headers['webhook-id'] ?? ''), ts = String(headers['webhook-timestamp'] ?? '');
  if (!id || !/^\d+$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > 300) return false; // 5-minute replay window
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return String(headers['webhook-signature'] ?? '').split(' ').some((s) => {
    const sig = Buffer.from(s.slice(3), 'base64');
    return s.startsWith('v1,') && sig.length === expected.length && timingSafeEqual(sig, expected);
  }); // then de-duplicate on webhook-id: a retry carries the same id and the same body
}
// --- README example end ---
