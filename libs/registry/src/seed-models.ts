import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRegistry } from './model-registry.js';
import type { Logger } from '@premonitor/log';

/** The model kinds the project ships artifacts for (`models/{kind}.onnx` in the repository). */
export const SHIPPED_MODEL_KINDS = ['acoustic', 'thermal'] as const;

/**
 * Registers the shipped model of each kind that has no production model yet, so a fresh
 * clone scores frames with no manual step. Later starts find production models and skip;
 * models trained or promoted since are never replaced.
 */
export async function seedShippedModels(registry: ModelRegistry, modelsDir: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  for (const kind of SHIPPED_MODEL_KINDS) {
    if (await registry.production(kind)) continue;
    const path = join(modelsDir, `${kind}.onnx`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      logger.warn({ kind, path, err: (err as Error).message }, 'no shipped model; this kind is not scored until one is registered');
      continue;
    }
    const record = await registry.register({ kind, bytes, metadata: { source: 'shipped', path: `models/${kind}.onnx` } });
    logger.info({ kind, version: record.version, stage: record.stage }, 'registered the shipped model');
  }
}
