import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storableJson, storableText, storableTextFromBytes } from './storable-text.js';

describe('storable text', () => {
  it('escapes NUL visibly and keeps everything else', () => {
    assert.equal(storableText('Unexpected token \u0000, "\u0000" is not valid JSON'), 'Unexpected token \\u0000, "\\u0000" is not valid JSON');
    assert.equal(storableText('plain\ttext\n🔧 Grüße'), 'plain\ttext\n🔧 Grüße');
  });

  it('escapes lone surrogates but keeps pairs', () => {
    assert.equal(storableText('a\ud800b\udc01'), 'a\\ud800b\\udc01');
    assert.equal(storableText('\ud83d\udd27'), '🔧');
  });

  it('decodes bytes, showing each invalid byte as \\xNN', () => {
    assert.equal(storableTextFromBytes(Buffer.from('ok')), 'ok');
    assert.equal(storableTextFromBytes(Buffer.from([0x61, 0xff, 0x62, 0xc3])), 'a\\xffb\\xc3');
    assert.equal(storableTextFromBytes(Buffer.from([0xed, 0xa0, 0x80])), '\\xed\\xa0\\x80', 'an encoded surrogate is invalid UTF-8');
    assert.equal(storableTextFromBytes(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf', 'overlong');
    assert.equal(storableTextFromBytes(Buffer.from([0x00, 0xc3, 0xa9])), '\\u0000é');
  });

  it('makes every string of a JSON value storable, keys included', () => {
    assert.deepEqual(storableJson({ 'k\u0000': ['v\ud800', 1, null, true, { x: '\u0000' }], gone: undefined }), { 'k\\u0000': ['v\\ud800', 1, null, true, { x: '\\u0000' }] });
  });
});
