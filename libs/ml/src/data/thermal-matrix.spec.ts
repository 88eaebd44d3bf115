import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputLimitError, ThermalMatrixError } from './data-errors.js';
import { parseThermalMatrix } from './thermal-matrix.js';

test('reads CSV with commas, semicolons (decimal comma) or whitespace', () => {
  const expected = { width: 3, height: 2, celsius: Float32Array.from([21.5, 22, 23.25, 30, 31, 32]) };
  assert.deepEqual(parseThermalMatrix('21.5,22,23.25\n30, 31, 32,\n', { format: 'csv' }), expected);
  assert.deepEqual(parseThermalMatrix('# exported by a camera\n21,5;22;23,25\r\n30;31;32\n', { format: 'csv' }), expected);
  assert.deepEqual(parseThermalMatrix('  21.5 22\t23.25\n\n30 31 32', { format: 'csv' }), expected);
});

test('reads a JSON 2-D array and {width, height, data} flat or nested', () => {
  const expected = { width: 2, height: 2, celsius: Float32Array.from([20, 21, 22, 23]) };
  assert.deepEqual(parseThermalMatrix('[[20, 21], [22, 23]]', { format: 'json' }), expected);
  assert.deepEqual(parseThermalMatrix('{"width": 2, "height": 2, "data": [20, 21, 22, 23]}', { format: 'json' }), expected);
  assert.deepEqual(parseThermalMatrix('{"width": 2, "height": 2, "data": [[20, 21], [22, 23]]}', { format: 'json' }), expected);
});

function rejects(text: string, format: 'csv' | 'json', expected: { row?: number; column?: number; message: RegExp }): void {
  assert.throws(
    () => parseThermalMatrix(text, { format }),
    (error: unknown) =>
      error instanceof ThermalMatrixError && error.row === expected.row && error.column === expected.column && expected.message.test(error.message),
  );
}

test('rejects ragged rows naming the row', () => {
  rejects('1,2,3\n4,5,6\n7,8\n', 'csv', { row: 3, message: /row 3 has 2 values/ });
  rejects('[[1,2],[3,4],[5]]', 'json', { row: 3, message: /row 3 has 1 values/ });
});

test('rejects non-numeric, non-finite and implausible values naming row and column', () => {
  rejects('1,2\n3,abc\n', 'csv', { row: 2, column: 2, message: /"abc" is not a finite number/ });
  rejects('1,,2\n3,4,5', 'csv', { row: 1, column: 2, message: /not a finite number/ });
  rejects('[[1, null], [3, 4]]', 'json', { row: 1, column: 2, message: /not a finite number/ });
  rejects('20,21\n22,2000\n', 'csv', { row: 2, column: 2, message: /outside the plausible range/ });
});

test('rejects malformed JSON, wrong sizes and oversized input', () => {
  rejects('[[1,2]', 'json', { message: /not well-formed/ });
  rejects('{"width": 3, "height": 2, "data": [1,2,3]}', 'json', { message: /3 values but width × height is 6/ });
  rejects('', 'csv', { message: /no rows/ });
  assert.throws(() => parseThermalMatrix('1,2\n3,4', { format: 'csv', maxCells: 3 }), (e: unknown) => e instanceof InputLimitError && e.limit === 'cells' && e.value === 4);
  assert.throws(() => parseThermalMatrix('1,2,3\n3,4,5', { format: 'csv', maxWidth: 2 }), (e: unknown) => e instanceof InputLimitError && e.limit === 'width' && e.value === 3);
  assert.throws(() => parseThermalMatrix('[[1],[2],[3]]', { format: 'json', maxHeight: 2 }), (e: unknown) => e instanceof InputLimitError && e.limit === 'height' && e.value === 3);
});
