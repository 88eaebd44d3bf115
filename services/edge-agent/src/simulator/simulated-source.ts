import type { Clock } from '@premonitor/time';
import { DEFAULT_ACOUSTIC_SHAPE, DEFAULT_THERMAL_SHAPE, synthesizeAcoustic, synthesizeThermal } from './frame-synth.js';
import { MachineModel, type MachineKind } from './machine-model.js';
import { deriveSeed, SeededRandom } from '@premonitor/ml/data';
import { pause, type SampleSink, type SensorSource } from '../agent/sensor-source.js';

/** Options of {@link SimulatedSource}. */
export interface SimulatedSourceOptions {
  readonly name: string;
  readonly machine: MachineKind;
  /** What to produce: telemetry readings, 1 s acoustic clips, or thermal frames. */
  readonly signal: 'telemetry' | 'acoustic' | 'thermal';
  readonly intervalMs: number;
  readonly seed: number;
  readonly clock: Clock;
}

/** A simulated sensor: the simulator's machine model and frame synthesis as a source. */
export class SimulatedSource implements SensorSource {
  readonly name: string;
  readonly #o: SimulatedSourceOptions;

  constructor(options: SimulatedSourceOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError(`source ${options.name}: intervalMs must be > 0`);
    this.name = options.name;
    this.#o = options;
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    const { clock, intervalMs } = this.#o;
    const model = new MachineModel({ kind: this.#o.machine, random: new SeededRandom(deriveSeed(this.#o.seed, 'telemetry')) });
    const machine = { kind: this.#o.machine, seed: deriveSeed(this.#o.seed, 'machine') };
    let recording = 0;
    let due = clock.now();
    while (!signal.aborted) {
      const ts = clock.now();
      const readings = model.step(intervalMs, ts);
      if (this.#o.signal === 'telemetry') await sink({ type: 'telemetry', ts, readings });
      else if (this.#o.signal === 'acoustic') {
        const f = synthesizeAcoustic(machine, ts, recording++, DEFAULT_ACOUSTIC_SHAPE);
        await sink({ type: 'acoustic', ts, sampleRate: f.sampleRate, samples: f.samples });
      } else {
        const f = synthesizeThermal(machine, model.state(), ts, recording++, DEFAULT_THERMAL_SHAPE);
        await sink({ type: 'thermal', ts, width: f.width, height: f.height, celsius: f.celsius });
      }
      // Scheduled from the previous due time so slow scoring does not make the series drift.
      due = Math.max(due + intervalMs, clock.now());
      await pause(clock, due - clock.now(), signal);
    }
  }
}
