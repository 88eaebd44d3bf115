import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plainText, safeText, unsafeTextReason } from './safe-text.js';
import { parseJsonPayload } from './parse.js';
import { statusMessage } from './messages.js';

describe('safeText', () => {
  it('accepts plain text, tabs, line breaks and paired surrogates', () => {
    for (const ok of ['', 'v1.2.3', 'line one\nline two\r\n\tindented', 'pump 🔧 ok', 'Grüße']) assert.equal(unsafeTextReason(ok), undefined, JSON.stringify(ok));
  });

  it('names NUL, other control characters and DEL with their position', () => {
    assert.equal(unsafeTextReason('1.0\u0000'), 'contains a control character (U+0000) at 3');
    assert.match(unsafeTextReason('a\u001bb') ?? '', /U\+001B/);
    assert.match(unsafeTextReason('\u007f') ?? '', /U\+007F/);
  });

  it('finds lone high and low surrogates but not pairs', () => {
    assert.match(unsafeTextReason('x\ud800') ?? '', /lone surrogate \(U\+D800\) at 1/);
    assert.match(unsafeTextReason('\udc00x') ?? '', /lone surrogate \(U\+DC00\) at 0/);
    assert.match(unsafeTextReason('\ud83d\ud83d\udd27') ?? '', /U\+D83D\) at 0/);
  });

  it('refuses unsafe text in a schema with a reason naming the field', () => {
    assert.equal(safeText(10).safeParse('ok').success, true);
    assert.equal(safeText(10).safeParse('x'.repeat(11)).success, false);
    const result = parseJsonPayload(statusMessage, Buffer.from('{"state":"online","agentVersion":"1.0\\u0000"}'), 4096);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /agentVersion: must be plain text: contains a control character \(U\+0000\)/);
    const key = parseJsonPayload(statusMessage, Buffer.from('{"state":"online","models":{"\\ud800":"v1"}}'), 4096);
    assert.equal(key.ok, false);
  });

  it('refuses a payload that is not valid UTF-8 instead of decoding it to U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from('{"state":"online","agentVersion":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const result = parseJsonPayload(statusMessage, bytes, 4096);
    assert.deepEqual(result, { ok: false, reason: 'malformed JSON: payload is not valid UTF-8' });
  });

  it('makes foreign text fit a field: visible escapes, cut without splitting a pair', () => {
    assert.equal(plainText('\u001b[31mfailed\u001b[0m\u0000', 100), '\\u001b[31mfailed\\u001b[0m\\u0000');
    assert.equal(plainText('ab🔧', 3), 'ab', 'a pair is never split');
    for (const text of ['x\ud800y', '\u0000'.repeat(50), 'ok']) assert.equal(safeText(20).safeParse(plainText(text, 20)).success, true, JSON.stringify(text));
  });
});
