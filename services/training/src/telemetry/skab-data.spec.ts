import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSkab, SKAB_CHANNELS } from './skab-data.js';
import { DataSetError } from '../training-errors.js';

const HEADER = `datetime;${SKAB_CHANNELS.join(';')};anomaly;changepoint`;

test('a SKAB file parses into rows of the eight sensors and the anomaly labels', () => {
  const s = parseSkab('t', `${HEADER}\n2020-03-09 10:14:33;1;2;3;4;5;6;7;8;0.0;0.0\n2020-03-09 10:14:34;9;10;11;12;13;14;15;16;1.0;0.0\n`);
  assert.deepEqual([...s.rows], Array.from({ length: 16 }, (_, i) => i + 1));
  assert.deepEqual([...s.labels], [0, 1]);
});

test('a missing sensor column or a non-numeric reading is refused naming it', () => {
  assert.throws(() => parseSkab('t', HEADER.replace(';Current', '') + '\n'), (err: unknown) => err instanceof DataSetError && /lacks Current/.test(err.message));
  assert.throws(() => parseSkab('t', `${HEADER}\nx;1;2;oops;4;5;6;7;8;0;0\n`), /line 2, Current is 'oops'/);
});
