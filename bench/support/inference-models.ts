import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameKind } from '@premonitor/contracts';
import { readModelMetadata } from '@premonitor/ml';
import { buildAcousticReferenceModel, buildThermalReferenceModel } from '@premonitor/inference';

/** The model a bench runs, and where it came from (said in the output). */
export interface BenchModel {
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly version: string;
}

/**
 * The shipped model of `kind` from `models/` (the training engineer's artifacts: any
 * `{kind}.onnx`, else any `*.onnx` whose metadata kind matches), else the reference model
 * that honours the same I/O contract.
 */
export function benchModel(root: string, kind: FrameKind): BenchModel {
  const dir = join(root, 'models');
  if (existsSync(dir)) {
    // `{kind}.onnx` (the float model) first; then any other file, e.g. a quantised variant.
    const names = readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort((a, b) => Number(b === `${kind}.onnx`) - Number(a === `${kind}.onnx`));
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(join(dir, name)));
      try {
        const meta = readModelMetadata(bytes);
        if (meta.kind === kind) return { bytes, source: `models/${name}`, version: meta.version };
      } catch {
        // Not a Premonitor model; keep looking.
      }
    }
  }
  const version = `bench-reference-${kind}`;
  const bytes = kind === 'acoustic' ? buildAcousticReferenceModel({ version }) : buildThermalReferenceModel({ version });
  return { bytes, source: `reference model (no models/*.onnx of kind ${kind})`, version };
}
