import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedLog } from './bounded-log.js';

describe('BoundedLog', () => {
  it('keeps the start and the end of a long output and says what it left out', () => {
    const log = new BoundedLog(10, 10);
    log.append('start-abcd');
    for (let i = 0; i < 100; i++) log.append(`line ${i}\n`);
    assert.ok(log.text.startsWith('start-abcd'));
    assert.ok(log.text.endsWith('line 99\n'));
    assert.match(log.text, /characters left out/);
  });

  it('keeps a short output whole', () => {
    const log = new BoundedLog();
    log.append('ready\n');
    assert.equal(log.text, 'ready\n');
  });
});
