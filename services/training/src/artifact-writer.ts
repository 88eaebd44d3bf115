import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReportChart } from './chart/report-chart.js';
import type { TrainedModel } from './trained-model.js';

/** Paths of everything {@link writeArtifacts} wrote. */
export interface WrittenArtifacts {
  readonly model: string;
  readonly variants: readonly string[];
  readonly report: string;
  readonly chart: string;
  readonly pictures: readonly string[];
}

/**
 * Writes `<name>.onnx`, `<name>.<suffix>.onnx` per variant, `<name>.report.json`,
 * `<name>.png` and `<name>.<suffix>.png` per extra picture into `dir` (created if missing). Fixed names, so the shipped folder always
 * holds the latest run and a diff shows what changed.
 */
export async function writeArtifacts(model: TrainedModel, dir: string): Promise<WrittenArtifacts> {
  await mkdir(dir, { recursive: true });
  const path = (name: string): string => join(dir, name);
  const written: WrittenArtifacts = {
    model: path(`${model.name}.onnx`),
    variants: model.variants.map((v) => path(`${model.name}.${v.suffix}.onnx`)),
    report: path(`${model.name}.report.json`),
    chart: path(`${model.name}.png`),
    pictures: (model.pictures ?? []).map((p) => path(`${model.name}.${p.suffix}.png`)),
  };
  await writeFile(written.model, model.bytes);
  await Promise.all(model.variants.map((v, i) => writeFile(written.variants[i]!, v.bytes)));
  await writeFile(written.report, `${JSON.stringify({ ...model.report, metadata: model.metadata }, null, 2)}\n`);
  await writeFile(written.chart, renderReportChart(model.chart));
  await Promise.all((model.pictures ?? []).map((p, i) => writeFile(written.pictures[i]!, p.png)));
  return written;
}
