import { describe, expect, it } from 'vitest';
import { jsonRequest, responseBody } from '../../tools/common/http-client.js';

describe('the tools’ one request and response shaping (fetch client and surge client)', () => {
  it('sends a body as JSON, with content-type unless the caller named one', () => {
    expect(jsonRequest({ 'idempotency-key': 'k' }, { a: 1 })).toEqual({
      headers: { 'idempotency-key': 'k', 'content-type': 'application/json' },
      payload: '{"a":1}',
    });
    expect(jsonRequest({ 'content-type': 'text/plain' }, 'x')).toEqual({
      headers: { 'content-type': 'text/plain' },
      payload: '"x"',
    });
  });

  it('sends no payload and no content-type without a body, and leaves the caller’s headers alone', () => {
    const headers = { prefer: 'wait=8' };
    expect(jsonRequest(headers, undefined)).toEqual({ headers: { prefer: 'wait=8' } });
    expect(jsonRequest(undefined, undefined)).toEqual({ headers: {} });
    jsonRequest(headers, {});
    expect(headers).toEqual({ prefer: 'wait=8' });
  });

  it('reads JSON as JSON, other text as text, and an empty body as undefined', () => {
    expect(responseBody('{"status":"RESERVED"}')).toEqual({ status: 'RESERVED' });
    expect(responseBody('<html></html>')).toBe('<html></html>');
    expect(responseBody('')).toBeUndefined();
  });
});
