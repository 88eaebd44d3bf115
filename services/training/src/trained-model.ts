import type { ModelMetadata } from '@premonitor/ml';
import type { ReportChart } from './chart/report-chart.js';

/** An extra artifact written beside the main model, e.g. `acoustic.int8.onnx`. */
export interface ModelVariant {
  /** File-name suffix before `.onnx`. */
  readonly suffix: string;
  readonly bytes: Uint8Array;
}

/** What a training pipeline hands the command: artifacts, report and summary. */
export interface TrainedModel {
  readonly kind: 'acoustic' | 'thermal' | 'telemetry' | 'vibration';
  /** File stem of the artifacts: `acoustic`, `thermal`, `thermal-80x60` for another sensor size, `thermal-ir`. */
  readonly name: string;
  readonly version: string;
  /** The float32 ONNX model, metadata included. */
  readonly bytes: Uint8Array;
  readonly metadata: ModelMetadata;
  readonly variants: readonly ModelVariant[];
  /** The evaluation report, saved as `<name>.report.json`. */
  readonly report: Readonly<Record<string, unknown>>;
  /** Human-readable report lines printed by the command. */
  readonly text: readonly string[];
  /** ROC curves and histograms, rendered to `<name>.png`. */
  readonly chart: ReportChart;
  /** Further pictures, already encoded, written as `<name>.<suffix>.png` (e.g. a confusion matrix). */
  readonly pictures?: readonly { readonly suffix: string; readonly png: Uint8Array }[];
  /** The command's last line. */
  readonly summary: Readonly<Record<string, unknown>>;
}
