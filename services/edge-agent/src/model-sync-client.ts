import { createHash } from 'node:crypto';
import { modelAnnouncement, parseJsonPayload, plainText, type FrameKind, type ModelAnnouncement } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { ModelRefusedError } from './model-errors.js';
import type { ModelStore } from './model-store.js';

/** Options of {@link ModelSyncClient}. */
export interface ModelSyncClientOptions {
  readonly store: ModelStore;
  /** Largest model accepted, bytes (announced and actually received). Default 32 MiB. */
  readonly maxBytes?: number;
  /** Whole download, ms. Default 120 000. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

/**
 * The agent's half of model sync: takes the retained announcement from
 * `…/{device}/model/{kind}`, downloads the file over HTTP with a size limit, checks the size
 * and sha256 against the announcement, and hands it to the {@link ModelStore}, which loads it
 * before swapping it in atomically. Any failure is a refusal: reported, and the running model
 * keeps scoring.
 */
export class ModelSyncClient {
  readonly #o: ModelSyncClientOptions;
  readonly #errors = new Map<string, string>();
  readonly #busy = new Map<FrameKind, Promise<void>>();
  readonly #pending = new Map<FrameKind, ModelAnnouncement>();

  constructor(options: ModelSyncClientOptions) {
    this.#o = options;
  }

  /** Handles a message from a model topic; resolves when it was applied or refused. */
  onAnnouncement(payload: Uint8Array): Promise<void> {
    const parsed = parseJsonPayload(modelAnnouncement, payload, 4096);
    if (!parsed.ok) {
      this.#o.logger.warn({ reason: parsed.reason }, 'invalid model announcement ignored');
      return Promise.resolve();
    }
    const a = parsed.value;
    if (a.kind === 'forecast') return Promise.resolve();
    const kind = a.kind;
    if (this.#o.store.model(kind)?.sha256 === a.sha256) {
      this.#errors.delete(kind);
      return Promise.resolve();
    }
    // One download per kind at a time; a newer announcement waiting replaces an older one.
    this.#pending.set(kind, a);
    const run = (this.#busy.get(kind) ?? Promise.resolve()).then(async () => {
      const next = this.#pending.get(kind);
      if (!next) return;
      this.#pending.delete(kind);
      await this.#apply(kind, next);
    });
    this.#busy.set(kind, run);
    return run;
  }

  /** Last refusal per kind (cleared by a successful install), for the status message. */
  errors(): Record<string, string> {
    return Object.fromEntries(this.#errors);
  }

  async #apply(kind: FrameKind, a: ModelAnnouncement): Promise<void> {
    if (this.#o.store.model(kind)?.sha256 === a.sha256) return;
    try {
      const bytes = await this.#download(a);
      const model = await this.#o.store.install(kind, bytes).catch((cause: unknown) => {
        throw new ModelRefusedError(`model ${a.version} does not load: ${(cause as Error).message}`, { cause });
      });
      if (model.version !== a.version) this.#o.logger.warn({ announced: a.version, file: model.version }, 'model file version differs from the announcement');
      this.#errors.delete(kind);
    } catch (err) {
      const message = plainText(`${a.version}: ${(err as Error).message}`, 500);
      this.#errors.set(kind, message);
      this.#o.logger.error({ kind, version: a.version, err: message }, 'model update refused; the running model stays');
    }
  }

  async #download(a: ModelAnnouncement): Promise<Uint8Array> {
    const limit = this.#o.maxBytes ?? 32 * 1024 * 1024;
    if (a.size > limit) throw new ModelRefusedError(`announced size ${a.size} bytes exceeds the limit of ${limit}`);
    let res: Response;
    try {
      res = await (this.#o.fetch ?? fetch)(a.url, { signal: AbortSignal.timeout(this.#o.timeoutMs ?? 120_000) });
    } catch (cause) {
      throw new ModelRefusedError(`download from ${a.url} failed: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new ModelRefusedError(`download from ${a.url} answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared !== a.size) {
      await res.body.cancel().catch(() => {});
      throw new ModelRefusedError(`server sends ${declared} bytes, the announcement says ${a.size}`);
    }
    // Streamed with a running count: a server that sends more than announced is cut off, not buffered.
    const hash = createHash('sha256');
    const bytes = new Uint8Array(a.size);
    let received = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      if (received + chunk.byteLength > a.size) throw new ModelRefusedError(`server sent more than the announced ${a.size} bytes`);
      bytes.set(chunk, received);
      received += chunk.byteLength;
      hash.update(chunk);
    }
    if (received !== a.size) throw new ModelRefusedError(`received ${received} of the announced ${a.size} bytes`);
    const sha256 = hash.digest('hex');
    if (sha256 !== a.sha256) throw new ModelRefusedError(`sha256 mismatch: file ${sha256.slice(0, 12)}…, announced ${a.sha256.slice(0, 12)}…`);
    return bytes;
  }
}
