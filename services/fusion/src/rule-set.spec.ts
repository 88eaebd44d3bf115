import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, defaultRuleSet } from './rule-set.js';

const ids = (rules: readonly { id: string }[]) => rules.map((r) => r.id).sort();

describe('compileRules', () => {
  it('gives every device the ten default rules when nothing is configured', () => {
    const compiled = compileRules(undefined);
    assert.ok(compiled.ok);
    assert.deepEqual(ids(compiled.ruleSet.rulesFor({ site: 'a', device: 'b' })), [
      'acoustic-anomaly',
      'correlated-anomaly',
      'device-offline',
      'gas-leak',
      'model-drift',
      'model-rollback',
      'predicted-failure',
      'telemetry-anomaly',
      'thermal-anomaly',
      'vibration-fault',
    ]);
    assert.deepEqual(ids(defaultRuleSet().rulesFor({ site: 'a', device: 'b' })), ids(compiled.ruleSet.rulesFor({ site: 'x', device: 'y' })));
  });

  it('applies fleet, site and device patches in that order, device winning', () => {
    const compiled = compileRules(
      {
        rules: [{ id: 'gas-leak', raiseAbove: 40 }],
        overrides: [
          { site: 'plant-a', rules: [{ id: 'gas-leak', raiseAbove: 80, clearBelow: 30 }] },
          { site: 'plant-a', device: 'pump-1', rules: [{ id: 'gas-leak', enabled: false }] },
        ],
      },
      [{ site: 'plant-a', device: 'pump-2', ruleId: 'gas-leak', definition: { id: 'gas-leak', raiseAbove: 90 } }],
    );
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error);
    const gas = (site: string, device: string) => compiled.ruleSet.rule({ site, device }, 'gas-leak');
    const fleet = gas('other', 'x');
    assert.equal(fleet?.kind === 'reading' && fleet.raiseAbove, 40);
    const a = gas('plant-a', 'x');
    assert.equal(a?.kind === 'reading' && a.raiseAbove, 80);
    assert.equal(gas('plant-a', 'pump-1'), undefined, 'disabled for that device');
    const b = gas('plant-a', 'pump-2');
    assert.deepEqual(b?.kind === 'reading' && [b.raiseAbove, b.clearBelow], [90, 30], 'table row on top of the site override');
  });

  it('accepts a new rule when every field is given', () => {
    const compiled = compileRules({ rules: [{ id: 'vibration-high', kind: 'reading', key: 'vibration_rms', title: 'vibration high', severity: 'INFO', raiseAbove: 4, clearBelow: 3 }] });
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error);
    assert.ok(compiled.ruleSet.rule({ site: 's', device: 'd' }, 'vibration-high'));
  });

  it('refuses an invalid rule with a message naming rule, scope and field', () => {
    const bad = compileRules({ overrides: [{ site: 'plant-a', rules: [{ id: 'acoustic-anomaly', clearBelow: 0.9 }] }] });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error, /rule "acoustic-anomaly" for site plant-a: clearBelow: must not be above raiseAbove \(0\.85\)/);
  });

  it('refuses K greater than M, unknown fields and incomplete new rules', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ rules: [{ id: 'gas-leak', k: 4, m: 3 }] }, /rule "gas-leak" fleet-wide: k: must not exceed m \(3\)/],
      [{ rules: [{ id: 'gas-leak', treshold: 3 }] }, /rule "gas-leak" fleet-wide: .*treshold/],
      [{ rules: [{ id: 'new-rule', raiseAbove: 3 }] }, /rule "new-rule" fleet-wide: .*a new rule needs every field/],
      [{ rules: 'nope' }, /rules file: rules:/],
    ];
    for (const [file, message] of cases) {
      const result = compileRules(file);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, message);
    }
  });

  it('refuses a table row whose definition id disagrees with its rule_id', () => {
    const result = compileRules(undefined, [{ site: '', device: '', ruleId: 'gas-leak', definition: { id: 'other' } }]);
    assert.match(result.ok ? '' : result.error, /fusion_rules row "gas-leak" \(fleet-wide\): definition.id is "other"/);
  });
});
