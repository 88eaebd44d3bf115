import type { ScoringModel } from './scoring-model.js';

/** A model borrowed for one batch (or one upload); `release` hands it back. */
export interface ModelLease {
  readonly model: ScoringModel;
  release(): void;
}

/**
 * Holds the model in service and swaps it without stopping the flow. A batch leases the
 * current model when it starts and keeps it to the end, so `install` takes effect from the
 * next batch on: the in-flight batch finishes on the old model, none is split across two,
 * and the old session is released only when its last lease is returned.
 */
export class ModelSlot {
  #current: ScoringModel | undefined;
  readonly #leases = new Map<ScoringModel, number>();
  readonly #retired = new Set<ScoringModel>();
  readonly #onReleaseError: (err: unknown, model: ScoringModel) => void;

  constructor(onReleaseError: (err: unknown, model: ScoringModel) => void = () => {}) {
    this.#onReleaseError = onReleaseError;
  }

  /** The model new batches get, if any. */
  get current(): ScoringModel | undefined {
    return this.#current;
  }

  /** Borrows the current model, or returns undefined while none is installed. */
  lease(): ModelLease | undefined {
    const model = this.#current;
    if (!model) return undefined;
    this.#leases.set(model, (this.#leases.get(model) ?? 0) + 1);
    let returned = false;
    return {
      model,
      release: () => {
        if (returned) return;
        returned = true;
        const left = (this.#leases.get(model) ?? 1) - 1;
        if (left > 0) this.#leases.set(model, left);
        else {
          this.#leases.delete(model);
          if (this.#retired.delete(model)) this.#free(model);
        }
      },
    };
  }

  /** Makes `model` current; the previous one is released once no lease holds it. */
  install(model: ScoringModel): void {
    const previous = this.#current;
    this.#current = model;
    if (previous && previous !== model) this.#retire(previous);
  }

  /** Uninstalls the current model (at shutdown); it is released when its leases are back. */
  clear(): void {
    const previous = this.#current;
    this.#current = undefined;
    if (previous) this.#retire(previous);
  }

  #retire(model: ScoringModel): void {
    if (this.#leases.has(model)) this.#retired.add(model);
    else this.#free(model);
  }

  #free(model: ScoringModel): void {
    model.release().catch((err: unknown) => this.#onReleaseError(err, model));
  }
}
