import type { FrameKind } from '@premonitor/contracts';

/** `all`: every frame; `sampled`: one in `sampleEvery`; `anomaly`: only frames around a local anomaly. */
export type FramePolicyMode = 'all' | 'sampled' | 'anomaly';

/** Options of {@link FramePolicy}. */
export interface FramePolicyOptions {
  readonly mode: FramePolicyMode;
  /** For `sampled`: keep one frame in this many. */
  readonly sampleEvery: number;
  /** For `anomaly`: frames kept before and after an anomalous one. */
  readonly context: number;
}

/**
 * Which frames go to the disk queue while the broker is unreachable. Telemetry, local scores
 * and alerts are always kept; frames are what fill an SD card, so an operator chooses. Frames
 * held back for `anomaly` context live in a ring of `context` frames per kind (bounded).
 */
export class FramePolicy {
  readonly #o: FramePolicyOptions;
  readonly #ring = new Map<FrameKind, Uint8Array[]>();
  readonly #after = new Map<FrameKind, number>();
  readonly #count = new Map<FrameKind, number>();
  /** Frames not kept while offline (a choice, not a loss: counted apart from queue drops). */
  skipped = 0;

  constructor(options: FramePolicyOptions) {
    this.#o = { ...options, sampleEvery: Math.max(1, options.sampleEvery), context: Math.max(0, options.context) };
  }

  /** The frames to send or queue now (possibly held-back context, oldest first). */
  admit(kind: FrameKind, frame: Uint8Array, anomalous: boolean, connected: boolean): Uint8Array[] {
    if (connected || this.#o.mode === 'all') {
      this.#ring.delete(kind);
      return [frame];
    }
    if (this.#o.mode === 'sampled') {
      const n = (this.#count.get(kind) ?? 0) + 1;
      this.#count.set(kind, n);
      if (n % this.#o.sampleEvery === 1 || this.#o.sampleEvery === 1) return [frame];
      this.skipped++;
      return [];
    }
    const ring = this.#ring.get(kind) ?? [];
    if (anomalous) {
      this.#ring.delete(kind);
      this.#after.set(kind, this.#o.context);
      return [...ring, frame];
    }
    const after = this.#after.get(kind) ?? 0;
    if (after > 0) {
      this.#after.set(kind, after - 1);
      return [frame];
    }
    ring.push(frame);
    if (ring.length > this.#o.context) {
      ring.shift();
      this.skipped++;
    }
    this.#ring.set(kind, ring);
    return [];
  }
}
