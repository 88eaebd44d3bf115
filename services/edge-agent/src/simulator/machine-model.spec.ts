import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { telemetryMessage } from '@premonitor/contracts';
import { MACHINE_KINDS, MachineModel } from './machine-model.js';
import { SeededRandom } from '@premonitor/ml/data';

const T0 = Date.UTC(2024, 5, 1, 12);

function series(seed: number, kind: (typeof MACHINE_KINDS)[number], steps: number, dtMs = 1000) {
  const model = new MachineModel({ kind, random: new SeededRandom(seed) });
  return Array.from({ length: steps }, (_, i) => model.step(dtMs, T0 + i * dtMs));
}

describe('MachineModel', () => {
  it('produces the same readings for the same seed', () => {
    assert.deepEqual(series(5, 'pump', 200), series(5, 'pump', 200));
    assert.notDeepEqual(series(5, 'pump', 200), series(6, 'pump', 200));
  });

  it('emits the sensors of each machine kind as valid telemetry', () => {
    for (const kind of MACHINE_KINDS) {
      const readings = series(1, kind, 3)[2]!;
      assert.ok('temperature' in readings && 'vibration_rms' in readings && 'current' in readings, kind);
      const parsed = telemetryMessage.safeParse({ ts: T0, seq: 0, readings });
      assert.ok(parsed.success, `${kind}: ${parsed.error?.message}`);
    }
    assert.ok('pressure' in series(1, 'pump', 1)[0]!);
    assert.ok('gas_ppm' in series(1, 'compressor', 1)[0]!);
  });

  it('keeps readings physically plausible over a simulated day', () => {
    const day = series(9, 'compressor', 8640, 10_000);
    for (const r of day) {
      assert.ok(r.temperature! > 10 && r.temperature! < 100, `temperature ${r.temperature}`);
      assert.ok(r.vibration_rms! > 0 && r.vibration_rms! < 15, `vibration ${r.vibration_rms}`);
      assert.ok(r.current! >= 0 && r.current! < 40, `current ${r.current}`);
      assert.ok(r.gas_ppm! >= 0, `gas ${r.gas_ppm}`);
    }
  });

  it('starts warmer than ambient and moves temperature smoothly (first-order lag)', () => {
    const model = new MachineModel({ kind: 'motor', random: new SeededRandom(1) });
    const before = model.state();
    const temps: number[] = [];
    for (let i = 0; i < 600; i++) temps.push(model.step(1000, T0 + i * 1000).temperature!);
    for (let i = 1; i < temps.length; i++) assert.ok(Math.abs(temps[i]! - temps[i - 1]!) < 1, `jump at ${i}`);
    assert.ok(before.temperatureC > before.ambientC);
  });
});
