/** The state after one training epoch. */
export interface EpochProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** Seconds since training started. */
  readonly elapsedS: number;
}

/** Where progress lines go; the CLI passes `console.log`, tests a collector. */
export type ProgressSink = (line: string) => void;

/** Formats an epoch as `epoch 3/20  loss 0.41230  12.3 s  ETA 45 s`. */
export function formatEpoch(label: string, p: EpochProgress): string {
  const eta = (p.elapsedS / p.epoch) * (p.epochs - p.epoch);
  return `[${label}] epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs}  loss ${p.loss.toFixed(5)}  ${p.elapsedS.toFixed(1)} s  ETA ${eta.toFixed(0)} s`;
}

/** Times a phase and prints `label … done in x s`. */
export async function timed<T>(sink: ProgressSink, label: string, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  sink(`${label} …`);
  const result = await work();
  sink(`${label} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}
