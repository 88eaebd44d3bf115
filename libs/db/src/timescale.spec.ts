import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHypertableStatement, hypertablePlans, hypertablePolicyStatements } from './timescale.js';

test('plans telemetry (the rows behind the view readings), scores and forecasts with default retention', () => {
  const plans = hypertablePlans();
  assert.deepEqual(
    plans.map((p) => [p.table, p.retentionDays, p.segmentBy]),
    [
      ['telemetry', 90, 'device_id'],
      ['scores', 90, 'device_id, kind'],
      ['forecasts', 30, 'device_id, key'],
    ],
  );
});

test('create_hypertable is idempotent and migrates existing rows', () => {
  const create = createHypertableStatement(hypertablePlans()[0]!);
  assert.match(create, /create_hypertable\('telemetry', 'time'/);
  assert.match(create, /if_not_exists => true/);
  assert.match(create, /migrate_data => true/);
});

test('sets compression only while it is off, and re-adds retention with the configured days', () => {
  const plan = hypertablePlans({ readingsRetentionDays: 14 })[0]!;
  const off = hypertablePolicyStatements(plan, false);
  const on = hypertablePolicyStatements(plan, true);
  assert.ok(off.some((s) => s.includes("timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'time desc, seq'")));
  assert.ok(!on.some((s) => s.includes('timescaledb.compress,')));
  assert.ok(on.some((s) => s.includes("remove_retention_policy('telemetry', if_exists => true)")));
  assert.ok(on.some((s) => s.includes("add_retention_policy('telemetry', interval '14 days', if_not_exists => true)")));
});

test('null retention keeps data forever', () => {
  const plan = hypertablePlans({ scoresRetentionDays: null })[1]!;
  assert.equal(plan.retentionDays, null);
  assert.ok(!hypertablePolicyStatements(plan, true).some((s) => s.includes('add_retention_policy')));
});

test('refuses a retention that is not a whole number of days', () => {
  assert.throws(() => hypertablePlans({ readingsRetentionDays: 0 }), /readingsRetentionDays/);
  assert.throws(() => hypertablePlans({ compressAfterDays: 1.5 }), /compressAfterDays/);
});
