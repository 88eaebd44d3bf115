import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRegistry } from './model-registry.js';
import { ModelCheckFailedError, ModelVersionExistsError } from './registry-errors.js';
import type { Logger } from '@premonitor/log';

/** The model kinds the project ships artifacts for (`models/{kind}.onnx` in the repository). */
export const SHIPPED_MODEL_KINDS = ['acoustic', 'thermal'] as const;

/**
 * Registers the shipped model of each kind that has no production model yet, so a fresh
 * clone scores frames with no manual step. Later starts find production models and skip;
 * models trained or promoted since are never replaced. A shipped model goes through the model
 * check like any other: one that fails it is logged as an error and left a candidate (the
 * kind is then not scored until a model passes) — start-up goes on either way. One registered
 * by an earlier start but not production (its check failed then) is checked and promoted again.
 */
export async function seedShippedModels(registry: ModelRegistry, modelsDir: string, logger: Pick<Logger, 'info' | 'warn' | 'error'>): Promise<void> {
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
    try {
      const record = await registry.register({ kind, bytes, metadata: { source: 'shipped', path: `models/${kind}.onnx` } });
      logger.info({ kind, version: record.version, stage: record.stage }, 'registered the shipped model');
    } catch (err) {
      if (err instanceof ModelVersionExistsError) {
        await promoteRegistered(registry, kind, err.version, logger);
        continue;
      }
      if (!(err instanceof ModelCheckFailedError)) throw err;
      logger.error({ kind, path, version: err.version, reason: err.reason }, 'the shipped model fails the model check; this kind is not scored until a model passes it');
    }
  }
}

async function promoteRegistered(registry: ModelRegistry, kind: string, version: string, logger: Pick<Logger, 'info' | 'error'>): Promise<void> {
  try {
    await registry.promote(kind, version);
    logger.info({ kind, version }, 'promoted the shipped model registered earlier');
  } catch (err) {
    if (!(err instanceof ModelCheckFailedError)) throw err;
    logger.error({ kind, version, reason: err.reason }, 'the shipped model fails the model check; this kind is not scored until a model passes it');
  }
}
