import { fitBaseline } from '../baseline/fit-baseline.js';
import { packBaselineFeed } from '../baseline/baseline-feed.js';
import { SeededRandom } from '../data/seeded-random.js';
import type { ScoringMetadata } from './model-contract.js';
import type { ScoringOutputs, ScoringRunner } from './scoring-session.js';

/** A labelled reference frame: `values` is one model input row. */
interface ReferenceFrame {
  readonly label: string;
  readonly values: Float32Array;
}

// Rounding in a sigmoid or a softmax may land a hair outside [0, 1]; anything further is a broken head.
const RANGE_SLACK = 1e-6;

/**
 * The built-in reference batch of a model: frames a healthy and a faulty machine could send
 * (silence, hum, tones, noise, a clipped square wave; uniform, gradient, hot-spot, cold and
 * noisy thermal frames), at the model's own rate and shape, deterministic. At least eight rows,
 * and enough to fit a baseline of the model's spec.
 */
export function referenceFrames(meta: ScoringMetadata): ReferenceFrame[] {
  const rows = Math.max(8, (meta.baseline?.components ?? 0) + 2);
  const random = new SeededRandom(0x5eed);
  return meta.kind === 'acoustic' ? acousticFrames(meta.frameShape[0]!, meta.sampleRate!, rows, random) : thermalFrames(meta.frameShape[0]!, meta.frameShape[1]!, rows, random);
}

/**
 * Scores the reference batch as the services do and returns what is wrong with the outputs:
 * every value finite, `score` (and `fleet_score`) in [0, 1]. A model with a baseline is run
 * twice — against the fleet, then with every row enrolled against a baseline fitted (with the
 * same `fitBaseline` as the services) from the first run's embeddings — so both branches of
 * the graph are exercised. Empty when the model passes.
 */
export async function checkReferenceBatch(meta: ScoringMetadata, runner: ScoringRunner): Promise<string[]> {
  const frames = referenceFrames(meta);
  const pack = () => {
    const width = frames[0]!.values.length;
    const input = new Float32Array(frames.length * width);
    frames.forEach((f, i) => input.set(f.values, i * width));
    return input;
  };
  let fleet: ScoringOutputs;
  try {
    fleet = await runner.run(pack(), frames.length);
  } catch (err) {
    return [`the reference batch does not run: ${(err as Error).message}`];
  }
  const problems = outputProblems(fleet, frames, 'against the fleet');
  const spec = meta.baseline;
  if (!spec || problems.length > 0) return problems;
  const embeddings = frames.map((_, i) => fleet.embedding!.slice(i * spec.embedding, (i + 1) * spec.embedding));
  let baseline: Float32Array;
  try {
    baseline = fitBaseline(spec, embeddings);
  } catch (err) {
    return [`no baseline can be fitted from the reference embeddings: ${(err as Error).message}`];
  }
  try {
    const enrolled = await runner.run(pack(), frames.length, packBaselineFeed(spec, frames.map(() => baseline)));
    return outputProblems(enrolled, frames, 'against a fitted baseline');
  } catch (err) {
    return [`the reference batch does not run against a baseline: ${(err as Error).message}`];
  }
}

function outputProblems(out: ScoringOutputs, frames: readonly ReferenceFrame[], against: string): string[] {
  const problems: string[] = [];
  const check = (name: string, values: Float32Array | undefined, perRow: number, bounded: boolean) => {
    if (!values) return;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const bad = !Number.isFinite(v) ? 'is not finite' : bounded && (v < -RANGE_SLACK || v > 1 + RANGE_SLACK) ? 'is outside [0, 1]' : undefined;
      if (bad) {
        problems.push(`${name} ${v} of reference frame '${frames[Math.floor(i / perRow)]!.label}' ${bad} (${against})`);
        return;
      }
    }
  };
  check('score', out.score, 1, true);
  check('error', out.error, 1, false);
  check('fleet_score', out.fleetScore, 1, true);
  check('embedding value', out.embedding, out.embedding ? out.embedding.length / frames.length : 1, false);
  return problems;
}

function acousticFrames(samples: number, rate: number, rows: number, random: SeededRandom): ReferenceFrame[] {
  const wave = (f: (t: number, i: number) => number) => Float32Array.from({ length: samples }, (_, i) => f(i / rate, i));
  const noise = (amplitude: number) => wave(() => amplitude * (2 * random.next() - 1));
  const tone = (hz: number, amplitude: number) => wave((t) => amplitude * Math.sin(2 * Math.PI * hz * t));
  const nyquist = rate / 2;
  const fixed: ReferenceFrame[] = [
    { label: 'silence', values: new Float32Array(samples) },
    { label: '50 Hz hum with harmonics', values: wave((t) => 0.3 * Math.sin(2 * Math.PI * 50 * t) + 0.1 * Math.sin(2 * Math.PI * 150 * t) + 0.05 * Math.sin(2 * Math.PI * 250 * t)) },
    { label: 'white noise', values: noise(0.05) },
    { label: '1 kHz tone', values: tone(Math.min(1_000, nyquist / 2), 0.1) },
    { label: 'chirp', values: wave((t) => 0.2 * Math.sin(2 * Math.PI * (100 * t + ((nyquist / 2 - 100) * t * t * rate) / (2 * samples)))) },
    { label: 'clipped square wave', values: wave((t) => (Math.sin(2 * Math.PI * 60 * t) >= 0 ? 0.99 : -0.99)) },
    { label: 'loud noise', values: noise(0.9) },
    { label: 'tone in noise', values: wave((t) => 0.05 * Math.sin(2 * Math.PI * Math.min(3_000, nyquist / 2) * t) + 0.02 * (2 * random.next() - 1)) },
  ];
  return Array.from({ length: rows }, (_, i) => fixed[i] ?? { label: `noise ${i}`, values: noise(0.01 * (i - 6)) });
}

function thermalFrames(height: number, width: number, rows: number, random: SeededRandom): ReferenceFrame[] {
  const frame = (f: (x: number, y: number) => number) => Float32Array.from({ length: width * height }, (_, i) => f((i % width) / Math.max(1, width - 1), Math.floor(i / width) / Math.max(1, height - 1)));
  const spot = (cx: number, cy: number, peak: number, base: number) => frame((x, y) => base + (peak - base) * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.01));
  const fixed: ReferenceFrame[] = [
    { label: 'uniform 22 °C', values: frame(() => 22) },
    { label: 'horizontal gradient', values: frame((x) => 15 + 30 * x) },
    { label: 'hot spot 85 °C', values: spot(0.5, 0.5, 85, 25) },
    { label: 'noisy 30 °C', values: frame(() => 30 + (random.next() - 0.5) * 2) },
    { label: 'cold -10 °C', values: frame(() => -10) },
    { label: 'hot corner 150 °C', values: spot(0.9, 0.1, 150, 40) },
    { label: 'vertical gradient', values: frame((_, y) => 20 + 40 * y) },
    { label: 'checkerboard', values: frame((x, y) => ((Math.floor(x * 8) + Math.floor(y * 8)) % 2 === 0 ? 20 : 40)) },
  ];
  return Array.from({ length: rows }, (_, i) => fixed[i] ?? { label: `noise ${i}`, values: frame(() => 25 + (random.next() - 0.5) * i) });
}
