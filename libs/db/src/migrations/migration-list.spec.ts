import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORE_SCHEMA } from '../core-schema.js';
import { SchemaOrderError, schemaMigrations, type SchemaPart } from '../schema-part.js';

const part = (owner: string, after: string[] = [], n = 1): SchemaPart => ({
  owner,
  after,
  migrations: Array.from({ length: n }, (_, i) => ({ name: `${owner}/000${i + 1}_step`, statements: [] })),
});

test('parts are applied after the parts they need, ties by owner name, whatever the listing order', () => {
  const names = (parts: SchemaPart[]) => schemaMigrations(parts).map((m) => m.name);
  const core = part('core');
  const fusion = part('fusion', ['core'], 2);
  const notifier = part('notifier', ['core', 'fusion']);
  const ingest = part('ingest', ['core']);
  const expected = ['core/0001_step', 'fusion/0001_step', 'fusion/0002_step', 'ingest/0001_step', 'notifier/0001_step'];
  assert.deepEqual(names([notifier, ingest, fusion, core]), expected);
  assert.deepEqual(names([core, fusion, core, ingest, notifier, fusion]), expected);
});

test('a part whose needed part is missing, or parts that need each other, are refused naming them', () => {
  assert.throws(() => schemaMigrations([part('core'), part('notifier', ['core', 'fusion'])]), /'notifier' needs the schema of 'fusion'/);
  assert.throws(() => schemaMigrations([part('a', ['b']), part('b', ['a'])]), (e: unknown) => e instanceof SchemaOrderError && /a, b need each other/.test(e.message));
  assert.throws(() => schemaMigrations([{ owner: 'core', migrations: [{ name: 'ingest/0001_x', statements: [] }] }]), /must be named 'core\/…'/);
});

test('the core schema is dead letters, each step mapped from the legacy list, then the read-only role and the service roles (new since)', () => {
  assert.deepEqual(CORE_SCHEMA.migrations.map((m) => [m.name, m.replaces]), [
    ['core/0001_dead_letters', '0001_core_tables'],
    ['core/0002_dead_letters_daily_view', '0004_analyst_views'],
    ['core/0003_dead_letter_source', '0010_dead_letter_source'],
    ['core/0004_readonly_role', undefined],
    ['core/0005_service_roles', undefined],
    ['core/0006_remaining_service_roles', undefined],
  ]);
});
