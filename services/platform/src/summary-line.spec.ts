import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryLine } from './summary-line.js';

const counts = { devicesOnline: 2, devicesKnown: 3, readingsStored: 120, rejected: 1 };
const now = new Date('2026-12-06T04:00:00.000Z');

test('the summary line shows the open alerts and the latest one', () => {
  const line = summaryLine(now, { ...counts, openAlerts: 2, openAlertsMore: false, latestAlert: { severity: 'WARNING', title: 'device offline', site: 'demo', device: 'sim-002', lastSeen: '2026-12-06T03:59:58.000Z' } });
  assert.equal(line, '2026-12-06T04:00:00.000Z  devices online 2/3  readings stored 120  rejected 1  open alerts 2 (latest: WARNING device offline demo/sim-002 at 2026-12-06T03:59:58.000Z)');
});

test('without open alerts it says 0, and a full page is shown as a lower bound', () => {
  assert.match(summaryLine(now, { ...counts, openAlerts: 0, openAlertsMore: false }), /open alerts 0$/);
  assert.match(summaryLine(now, { ...counts, openAlerts: 1000, openAlertsMore: true }), /open alerts 1000\+$/);
});
