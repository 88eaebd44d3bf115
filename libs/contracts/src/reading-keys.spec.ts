import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READING_KEY_PATTERN, telemetryMessage } from './messages.js';

const message = (key: string) => telemetryMessage.safeParse({ ts: 1, seq: 1, readings: { [key]: 1 } });

test('accepts sensor names as real devices spell them: spaces, units, dots, symbols, other scripts', () => {
  for (const key of ['Volume Flow RateRMS', 'Accelerometer1RMS', 'Temperature (°C)', 'motor.current', 'p_in[bar]', 'Druck µbar', 'gas_ppm', 'x'.repeat(64)]) {
    assert.ok(message(key).success, key);
  }
});

test('refuses sensor names with control characters, invisible characters, edge spaces or over 64 characters', () => {
  for (const key of ['', ' leading', 'trailing ', 'tab\there', 'line\nfeed', 'nul\u0000', 'esc\u001b[31m', 'zero\u200bwidth', 'lone\ud800', 'x'.repeat(65)]) {
    assert.equal(message(key).success, false, JSON.stringify(key));
    assert.equal(READING_KEY_PATTERN.test(key), false, JSON.stringify(key));
  }
});
