import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS } from './migration-list.js';

test('migration names are unique and sorted in application order', () => {
  const names = MIGRATIONS.map((m) => m.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual([...names].sort(), names);
});

test('every migration statement is one idempotent statement', () => {
  for (const migration of MIGRATIONS) {
    for (const statement of migration.statements) {
      const text = statement.trim().toLowerCase();
      assert.ok(!text.replace(/'[^']*'/g, '').includes(';'), `${migration.name}: one statement at a time`);
      // Besides `create … if not exists` / `or replace`, forms that are harmless when re-run:
      // adding a column or dropping a constraint `if (not) exists`, and a backfill that skips
      // what is already there.
      assert.match(
        text,
        /^create (table|unique index|index) if not exists|^create or replace view|^alter table \w+ drop constraint if exists \w+$|^alter table \w+ add column if not exists \w+ [a-z ]+$|^insert into [\s\S]+ on conflict do nothing$/,
        `${migration.name}: ${text.slice(0, 60)}`,
      );
    }
  }
});
