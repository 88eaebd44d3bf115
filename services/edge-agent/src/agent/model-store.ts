import { copyFile, mkdir, rename } from 'node:fs/promises';
import type { Frame, FrameKind } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { syncDirectory } from './atomic-file.js';
import { LocalModel } from './local-model.js';
import { ModelFiles, isFile } from './model-files.js';
import type { EdgeBaselines } from './edge-baselines.js';

/** Options of {@link ModelStore}. */
export interface ModelStoreOptions {
  /** Where the running models live: `{kind}.onnx` and `{kind}.previous.onnx`. */
  readonly dir: string;
  /** Files copied in on first start when `dir` has none: kind → path (e.g. the repository's models/). */
  readonly seed?: Readonly<Partial<Record<FrameKind, string>>>;
  readonly kinds: readonly FrameKind[];
  readonly logger: Logger;
  /** The device's own baselines: once enrolled, frames are scored against them. */
  readonly baselines?: EdgeBaselines;
}

/**
 * The models the agent scores with, one per frame kind, kept on disk so the agent scores
 * from its first frame after a reboot without the core. An install is atomic (temp file,
 * fsync, rename) and keeps the replaced file as `{kind}.previous.onnx`; at start, a current
 * file that no longer loads falls back to the previous one.
 */
export class ModelStore {
  readonly #o: ModelStoreOptions;
  readonly #active = new Map<FrameKind, LocalModel>();
  readonly #busy = new Map<LocalModel, number>();
  readonly #retired = new Set<LocalModel>();

  constructor(options: ModelStoreOptions) {
    this.#o = options;
  }

  /** Loads (seeding if needed) every kind that has a usable file; kinds without one are not scored. */
  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    for (const kind of this.#o.kinds) {
      const files = this.#files(kind);
      const seed = this.#o.seed?.[kind];
      if (!(await isFile(files.current)) && seed && (await isFile(seed))) {
        await copyFile(seed, `${files.current}.seed.tmp`);
        await rename(`${files.current}.seed.tmp`, files.current);
        await syncDirectory(this.#o.dir);
      }
      const model = await files.load((bytes) => LocalModel.load(bytes, kind), this.#o.logger);
      if (model) this.#active.set(kind, model);
      else this.#o.logger.warn({ kind }, 'no local model: frames of this kind are forwarded unscored');
    }
  }

  /** The running model of a kind, if any. */
  model(kind: FrameKind): LocalModel | undefined {
    return this.#active.get(kind);
  }

  /** Versions of the running models (for the status message). */
  versions(): Record<string, string> {
    return Object.fromEntries([...this.#active].map(([k, m]) => [k, m.version]));
  }

  /**
   * Scores a frame with the running model of its kind (against the device's baseline once
   * enrolled, and taking it into the enrollment otherwise); undefined when there is no model.
   */
  async score(frame: Frame): Promise<{ score: number; model: LocalModel; reference: 'device' | 'fleet' } | undefined> {
    const model = this.#active.get(frame.kind);
    if (!model) return undefined;
    this.#busy.set(model, (this.#busy.get(model) ?? 0) + 1);
    try {
      const baselines = this.#o.baselines;
      const result = await model.run(frame, baselines?.baselineFor(model));
      await baselines?.observe(model, frame.ts, result).catch((err: unknown) => this.#o.logger.warn({ kind: frame.kind, err: (err as Error).message }, 'could not store a baseline sample; the next healthy frame is tried'));
      return { score: result.score, model, reference: result.reference };
    } finally {
      const left = (this.#busy.get(model) ?? 1) - 1;
      if (left > 0) this.#busy.set(model, left);
      else {
        this.#busy.delete(model);
        if (this.#retired.delete(model)) void model.release().catch(() => {});
      }
    }
  }

  /**
   * Installs verified bytes as the running model of `kind`: loads them first (a file that
   * does not load never replaces a working one), then writes and renames atomically, keeping
   * the replaced file as the previous version.
   */
  async install(kind: FrameKind, bytes: Uint8Array): Promise<LocalModel> {
    const model = await LocalModel.load(bytes, kind);
    await this.#files(kind).replace(bytes);
    const old = this.#active.get(kind);
    this.#active.set(kind, model);
    if (old) this.#retire(old);
    this.#o.logger.info({ kind, version: model.version, previous: old?.version ?? null }, 'model installed');
    return model;
  }

  /** Releases every session. */
  async stop(): Promise<void> {
    const models = [...this.#active.values()];
    this.#active.clear();
    await Promise.all(models.map((m) => m.release().catch(() => {})));
  }

  #retire(model: LocalModel): void {
    if (this.#busy.has(model)) this.#retired.add(model);
    else void model.release().catch(() => {});
  }

  #files(kind: FrameKind): ModelFiles {
    return new ModelFiles(this.#o.dir, kind);
  }
}
