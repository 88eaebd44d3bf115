import type { Logger } from '@premonitor/log';
import type { ModelRegistry } from '@premonitor/registry';
import { TextModelPredictor, triageInput, type TriageReport } from '@premonitor/training/triage';

/** One report's three scores (1–5) with the model's confidence in each. */
export type TriageScores = Readonly<Record<'availability' | 'fiability' | 'process_safety', { readonly score: number; readonly confidence: number }>>;

/** The production triage model, opened in onnxruntime. */
interface Loaded {
  readonly version: string;
  readonly predictor: TextModelPredictor;
}

/**
 * Scores maintenance reports with the production `triage` model of the registry. The model
 * is opened once and kept; each scoring call compares its version with production (one indexed
 * row) and reopens when another replica trained, restored or promoted meanwhile; `reload`
 * (`POST /triage/train/reload`) forces a re-read. Undefined answers mean there is no triage
 * model yet.
 */
export class TriageScorer {
  readonly #registry: ModelRegistry;
  readonly #logger: Logger;
  #loaded: Promise<Loaded | undefined> | undefined;

  constructor(registry: ModelRegistry, logger: Logger) {
    this.#registry = registry;
    this.#logger = logger;
  }

  /** The version that scores, or undefined when none is production. */
  async version(): Promise<string | undefined> {
    return (await this.#model())?.version;
  }

  /** Scores in order; undefined when there is no triage model yet. */
  async score(reports: readonly TriageReport[]): Promise<{ version: string; scores: TriageScores[] } | undefined> {
    const production = (await this.#registry.production('triage'))?.version;
    if (production !== (await this.#model())?.version) await this.reload();
    const model = await this.#model();
    if (!model) return undefined;
    const predictions = await model.predictor.predict(reports.map(triageInput));
    const scores = predictions.map((p) => Object.fromEntries(Object.entries(p).map(([target, s]) => [target, { score: s.score, confidence: Math.round(s.confidence * 1e4) / 1e4 }])) as TriageScores);
    return { version: model.version, scores };
  }

  /** Re-reads the production model; answers its version (undefined: none). */
  async reload(): Promise<string | undefined> {
    const previous = this.#loaded;
    this.#loaded = this.#open();
    const loaded = await this.#loaded;
    // The old session is released only once the new one is in place, so scoring never stops.
    const old = await previous?.catch(() => undefined);
    if (old && old.predictor !== loaded?.predictor) await old.predictor.close();
    return loaded?.version;
  }

  async close(): Promise<void> {
    const loaded = await this.#loaded?.catch(() => undefined);
    this.#loaded = undefined;
    await loaded?.predictor.close();
  }

  #model(): Promise<Loaded | undefined> {
    // A failed open is not kept: the next call tries again.
    this.#loaded ??= this.#open().catch((err: unknown) => {
      this.#loaded = undefined;
      throw err;
    });
    return this.#loaded;
  }

  async #open(): Promise<Loaded | undefined> {
    const production = await this.#registry.loadProduction('triage');
    if (!production) return undefined;
    const predictor = await TextModelPredictor.create(production.bytes);
    this.#logger.info({ version: production.record.version }, 'triage model loaded');
    return { version: production.record.version, predictor };
  }
}
