import type { Frame, ScoreEvent } from '@premonitor/contracts';
import { bandEnergyShares } from '@premonitor/ml/scoring';

/** Full scale of a signed 16-bit sample. */
const FULL_SCALE = 32_768;
/** Level of a silent clip, dBFS: the floor instead of −∞. */
const SILENCE_DB = -120;

/**
 * Two statistics of a frame's input that retraining's drift monitor compares with the model's
 * reference (issue 14, item 7), published with its score so input drift shows even when the
 * scores have not moved yet:
 * - thermal °C frame: `level` = mean temperature, `spread` = hottest pixel − mean (hot-spot contrast), °C;
 * - acoustic clip: `level` = RMS in dBFS, `spread` = crest factor (peak ÷ RMS) in dB, and
 *   `bands` = its coarse spectrum (share of energy per octave band), level-independent.
 * Undefined for a frame carried as an image file: its pixels are decoded for the model only.
 */
export function inputSummary(frame: Frame): ScoreEvent['input'] {
  if (frame.kind === 'acoustic') {
    let sumSquares = 0;
    let peak = 0;
    for (const s of frame.samples) {
      sumSquares += s * s;
      peak = Math.max(peak, Math.abs(s));
    }
    const rms = Math.sqrt(sumSquares / Math.max(1, frame.samples.length));
    if (rms === 0) return { level: SILENCE_DB, spread: 0 };
    return { level: round(20 * Math.log10(rms / FULL_SCALE)), spread: round(20 * Math.log10(peak / rms)), bands: bandEnergyShares(frame.samples, frame.sampleRate) };
  }
  if (!('celsius' in frame) || frame.celsius.length === 0) return undefined;
  let sum = 0;
  let hottest = -Infinity;
  for (const c of frame.celsius) {
    sum += c;
    hottest = Math.max(hottest, c);
  }
  const mean = sum / frame.celsius.length;
  return Number.isFinite(mean) && Number.isFinite(hottest) ? { level: round(mean), spread: round(hottest - mean) } : undefined;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
