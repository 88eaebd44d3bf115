import { DataOptionsError } from './data-errors.js';
import { toInt16Pcm } from './signal-level.js';

/**
 * Encodes mono float samples (full scale ±1, clipped beyond) as a 16-bit PCM WAV file —
 * the format every tool opens, for saving generated examples and for tests.
 */
export function writeWav(samples: ArrayLike<number>, sampleRate: number): Uint8Array {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new DataOptionsError(`sampleRate must be a positive integer, got ${sampleRate}`);
  const pcm = toInt16Pcm(samples);
  const dataBytes = pcm.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < pcm.length; i++) view.setInt16(44 + 2 * i, pcm[i]!, true);
  return out;
}
