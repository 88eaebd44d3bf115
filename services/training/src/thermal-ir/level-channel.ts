import { OnnxAttr } from '@premonitor/ml';
import type { OnnxGraphBuilder } from '@premonitor/ml';

/**
 * The image's own levels as a second channel: `(raw − offset) / scale`, with offset and scale
 * fixed for the data set's 8-bit levels. It carries what the per-image standardisation removes
 * (the level and contrast, e.g. a whole module warmer), and so ties the model to the intensity
 * scale it was trained on.
 */
export interface LevelChannel {
  readonly offset: number;
  readonly scale: number;
}

/** An image's mean and spread before standardisation: raw = standardised · spread + mean. */
export interface ImageLevel {
  readonly mean: number;
  readonly spread: number;
}

/**
 * Channels-last `[H·W, 2]` input of one image: the standardised value, then its level
 * `(standardised · spread + mean − offset) / scale` (= the raw value's, so an augmented
 * standardised image gets the level channel of the same augmentation).
 */
export function levelChannelInput(standardised: Float32Array, level: ImageLevel, channel: LevelChannel): Float32Array {
  const out = new Float32Array(standardised.length * 2);
  for (let i = 0; i < standardised.length; i++) {
    out[2 * i] = standardised[i]!;
    out[2 * i + 1] = (standardised[i]! * level.spread + level.mean - channel.offset) / channel.scale;
  }
  return out;
}

/** `standardised [N, H, W]` and the raw `frame [N, H, W]` → `[N, H, W, 2]`, as {@link levelChannelInput}. */
export function addLevelChannel(g: OnnxGraphBuilder, standardised: string, frame: string, channel: LevelChannel): string {
  const value = (name: string, v: number) => g.addInitializer(g.uniqueName(name), new Float32Array([v]), []);
  const level = g.op('Div', [g.op('Sub', [frame, value('level_offset', channel.offset)]), value('level_scale', channel.scale)], {}, 'level');
  const axis = g.addInt64Initializer(g.uniqueName('channel_axis'), [3]);
  return g.op('Concat', [g.op('Unsqueeze', [standardised, axis]), g.op('Unsqueeze', [level, axis])], { axis: OnnxAttr.int(3) }, 'image_channels');
}
