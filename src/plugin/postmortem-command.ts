/** `kubectl incident postmortem NAME [-o markdown|html]`: the draft of an Incident read with kubectl (untrusted JSON). */
import type { Incident } from '../api/incident.js';
import { postmortemHtml } from '../postmortem/html.js';
import { postmortemMarkdown } from '../postmortem/markdown.js';
import { postmortemModel } from '../postmortem/model.js';

export type PostmortemFormat = 'markdown' | 'html';
export const PostmortemFormats: readonly PostmortemFormat[] = ['markdown', 'html'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An Incident as the API server returns it: metadata name/namespace, spec severity/summary, an object status. */
export function isIncident(v: unknown): v is Incident {
  if (!isRecord(v) || !isRecord(v.metadata) || !isRecord(v.spec)) return false;
  const { metadata, spec } = v;
  return typeof metadata.name === 'string' && typeof metadata.namespace === 'string'
    && typeof spec.severity === 'string' && ['P0', 'P1', 'P2', 'P3'].includes(spec.severity) && typeof spec.summary === 'string'
    && (v.status === undefined || isRecord(v.status));
}

/** The draft in `format`, or why it cannot be made. */
export function renderPostmortem(json: string, format: PostmortemFormat, now: Date): { text: string } | { error: string } {
  let parsed: unknown;
  try { parsed = JSON.parse(json); } catch { return { error: 'kubectl returned something that is not JSON' }; }
  if (!isIncident(parsed)) return { error: 'kubectl returned something that is not an Incident' };
  const model = postmortemModel(parsed, now);
  return { text: format === 'html' ? postmortemHtml(model) : `${postmortemMarkdown(model)}\n` };
}
