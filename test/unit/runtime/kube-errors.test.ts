import { expect } from 'chai';
import { ApiException } from '@kubernetes/client-node';
import {
  describeError,
  isAlreadyExists,
  isApiException,
  isConflict,
  isGone,
  isNotFound,
  isRetryable,
  statusCode,
} from '../../../src/runtime/kube-errors.js';

const status = (code: number, reason: string) => JSON.stringify({ kind: 'Status', code, reason, message: `${reason} happened` });
const api = (code: number, reason = 'Unknown') => new ApiException<string>(code, 'Unknown API Status Code!', status(code, reason), { 'x-secret-header': 'hdr' });
const watchErr = (code: number) => Object.assign(new Error('Gone'), { statusCode: code });
const netErr = (code: string) => Object.assign(new Error(`request failed, reason: connect ${code}`), { name: 'FetchError', type: 'system', code });

interface Row {
  name: string;
  e: unknown;
  code?: number;
  api: boolean;
  notFound?: boolean;
  gone?: boolean;
  conflict?: boolean;
  exists?: boolean;
  retryable: boolean;
}

const rows: Row[] = [
  { name: 'ApiException 404', e: api(404, 'NotFound'), code: 404, api: true, notFound: true, retryable: false },
  { name: 'ApiException 409 Conflict', e: api(409, 'Conflict'), code: 409, api: true, conflict: true, retryable: true },
  { name: 'ApiException 409 AlreadyExists', e: api(409, 'AlreadyExists'), code: 409, api: true, exists: true, retryable: false },
  { name: 'ApiException 410', e: api(410, 'Expired'), code: 410, api: true, gone: true, retryable: false },
  { name: 'ApiException 429', e: api(429, 'TooManyRequests'), code: 429, api: true, retryable: true },
  { name: 'ApiException 500', e: api(500, 'InternalError'), code: 500, api: true, retryable: true },
  { name: 'ApiException 503', e: api(503, 'ServiceUnavailable'), code: 503, api: true, retryable: true },
  { name: 'ApiException 501', e: api(501), code: 501, api: true, retryable: false },
  { name: 'ApiException 422', e: api(422, 'Invalid'), code: 422, api: true, retryable: false },
  { name: 'ApiException 401 (undefined body)', e: new ApiException(401, 'Unauthorized', undefined, {}), code: 401, api: true, retryable: false },
  { name: 'Watch error 410 (.statusCode)', e: watchErr(410), code: 410, api: false, gone: true, retryable: false },
  { name: 'Watch error 503', e: watchErr(503), code: 503, api: false, retryable: true },
  { name: 'Status-like object with numeric code', e: { kind: 'Status', code: 410, reason: 'Expired' }, code: 410, api: false, gone: true, retryable: false },
  { name: 'FetchError ECONNREFUSED', e: netErr('ECONNREFUSED'), api: false, retryable: true },
  { name: 'FetchError ECONNRESET', e: netErr('ECONNRESET'), api: false, retryable: true },
  { name: 'AbortError (timeout)', e: Object.assign(new Error('aborted'), { name: 'AbortError' }), api: false, retryable: true },
  { name: 'TypeError', e: new TypeError('x is undefined'), api: false, retryable: false },
  { name: 'a string', e: 'oops', api: false, retryable: false },
  { name: 'undefined', e: undefined, api: false, retryable: false },
];

describe('runtime/kube-errors', () => {
  for (const r of rows) {
    it(r.name, () => {
      expect(statusCode(r.e), 'statusCode').to.equal(r.code);
      expect(isApiException(r.e), 'isApiException').to.equal(r.api);
      expect(isNotFound(r.e), 'isNotFound').to.equal(r.notFound ?? false);
      expect(isGone(r.e), 'isGone').to.equal(r.gone ?? false);
      expect(isConflict(r.e), 'isConflict').to.equal(r.conflict ?? false);
      expect(isAlreadyExists(r.e), 'isAlreadyExists').to.equal(r.exists ?? false);
      expect(isRetryable(r.e), 'isRetryable').to.equal(r.retryable);
    });
  }

  it('describeError uses the Status message and never the headers', () => {
    const d = describeError(api(409, 'Conflict'));
    expect(d).to.deep.equal({ error: 'Conflict happened', statusCode: 409, reason: 'Conflict' });
    expect(JSON.stringify(d)).not.to.include('hdr');
  });

  it('describeError bounds long messages', () => {
    const d = describeError(new Error('x'.repeat(5_000)));
    expect(d.error.length).to.be.below(400);
    expect(d.statusCode).to.equal(undefined);
  });
});
