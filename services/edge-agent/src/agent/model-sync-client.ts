import { createHash } from 'node:crypto';
import { modelAnnouncement, modelWithdrawal, parseJsonPayload, plainText, type AnnouncedModelKind, type DeviceRef, type ModelAnnouncement, type ModelWithdrawal } from '@premonitor/contracts';
import { verifyAnnouncement, verifyModelWithdrawal, type TrustedKey } from '@premonitor/contracts/signing';
import type { Logger } from '@premonitor/log';
import { AnnouncementWatermarks } from './announcement-watermarks.js';
import { ModelRefusedError } from './model-errors.js';

/** The models an agent runs: the frame kinds' fleet models and this device's own telemetry model (forecasts run on the core only). */
export type EdgeModelKind = Exclude<AnnouncedModelKind, 'forecast'>;

/** Where verified models go: the agent's model stores, per kind. */
export interface ModelInstaller {
  /** sha256 of the running model of `kind`, if there is one. */
  installed(kind: EdgeModelKind): string | undefined;
  /** Checks the model's contract, keeps it on disk and runs it; throws for a model that does not load. */
  install(kind: EdgeModelKind, bytes: Uint8Array): Promise<{ readonly version: string }>;
  /** Stops running the model of `kind` and deletes it from disk; resolves to the version removed, if any. */
  withdraw(kind: 'telemetry', reason: string): Promise<string | undefined>;
}

type Signed = { readonly issuedAt: number; readonly keyId: string };
/** What waits to be applied for a kind: the newest verified announcement or withdrawal. */
type PendingUpdate = (ModelAnnouncement & Signed) | (ModelWithdrawal & Signed);

/** Options of {@link ModelSyncClient}. */
export interface ModelSyncClientOptions {
  readonly store: ModelInstaller;
  /** This device: announcements are signed for it, and one signed for another is refused. */
  readonly ref: DeviceRef;
  /** Public keys of the core (several during a key rotation); none = every announcement is refused. */
  readonly trustedKeys: readonly TrustedKey[];
  /** Where the newest accepted announcement per kind is kept, so older ones stay refused after a reboot. */
  readonly watermarksFile: string;
  /** Largest model accepted, bytes (announced and actually received). Default 32 MiB. */
  readonly maxBytes?: number;
  /** Whole download, ms. Default 120 000. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

/**
 * The agent's half of model sync: takes the retained announcement from
 * `…/{device}/model/{kind}`, checks it was signed for this device by a trusted core key and is
 * not older than the last one accepted, downloads the file over HTTP with a size limit, checks
 * the size and sha256 against the announcement, and hands it to the {@link ModelInstaller} (the
 * frame models' `ModelStore`, the device's `DeviceTelemetryModel`), which checks the model
 * contract before swapping it in atomically. Any failure is a refusal:
 * reported (status `modelErrors`, an error log), and the running model keeps scoring.
 *
 * The same topic may carry a signed withdrawal of the device's telemetry model instead (the core
 * reset it): checked the same way — signed for this device, not older than the last accepted
 * message of the kind — it removes the model from memory and disk (status `modelsWithdrawn`, a
 * warning in the log); a later announcement, newer by construction, installs a model again.
 */
export class ModelSyncClient {
  readonly #o: ModelSyncClientOptions;
  readonly #errors = new Map<string, string>();
  readonly #busy = new Map<EdgeModelKind, Promise<void>>();
  readonly #pending = new Map<EdgeModelKind, PendingUpdate>();
  readonly #withdrawn = new Map<string, string>();
  readonly #watermarks: AnnouncementWatermarks;

  constructor(options: ModelSyncClientOptions) {
    this.#o = options;
    this.#watermarks = new AnnouncementWatermarks(options.watermarksFile, options.logger);
  }

  /** Reads the watermarks kept on disk; warns when no public key is configured (every update is then refused). */
  async start(): Promise<void> {
    await this.#watermarks.load();
    if (this.#o.trustedKeys.length === 0) this.#o.logger.warn('no model public key configured (EDGE_MODEL_PUBLIC_KEY): every model update will be refused');
  }

  /** Handles a message from a model topic; resolves when it was applied or refused. */
  onAnnouncement(payload: Uint8Array): Promise<void> {
    if (isWithdrawal(payload)) return this.#onWithdrawal(payload);
    const parsed = parseJsonPayload(modelAnnouncement, payload, 4096);
    if (!parsed.ok) {
      this.#o.logger.warn({ reason: parsed.reason }, 'invalid model announcement ignored');
      return Promise.resolve();
    }
    const a = parsed.value;
    if (a.kind === 'forecast') return Promise.resolve();
    const kind = a.kind;
    const verdict = verifyAnnouncement(a, this.#o.ref, this.#o.trustedKeys);
    if (!verdict.ok) return Promise.resolve(this.#refuse(kind, a.version, `refused: ${verdict.reason}`));
    const accepted = this.#watermarks.get(kind);
    if (accepted && verdict.issuedAt < accepted.issuedAt) {
      return Promise.resolve(this.#refuse(kind, a.version, `refused: issued at ${new Date(verdict.issuedAt).toISOString()}, before the last accepted announcement (${accepted.version}, ${new Date(accepted.issuedAt).toISOString()}); a replay?`));
    }
    const signed = { ...a, issuedAt: verdict.issuedAt, keyId: verdict.keyId };
    if (this.#o.store.installed(kind) === a.sha256) {
      this.#errors.delete(kind);
      return this.#watermarks.advance(kind, signed).catch((err: unknown) => this.#o.logger.warn({ kind, err: (err as Error).message }, 'could not store the announcement watermark'));
    }
    return this.#schedule(kind, signed);
  }

  /** Models the core withdrew, per kind, with why (cleared when a new one is installed), for the status message. */
  withdrawn(): Record<string, string> {
    return Object.fromEntries(this.#withdrawn);
  }

  #onWithdrawal(payload: Uint8Array): Promise<void> {
    const parsed = parseJsonPayload(modelWithdrawal, payload, 4096);
    if (!parsed.ok) {
      this.#o.logger.warn({ reason: parsed.reason }, 'invalid model withdrawal ignored');
      return Promise.resolve();
    }
    const w = parsed.value;
    const verdict = verifyModelWithdrawal(w, this.#o.ref, this.#o.trustedKeys);
    const accepted = this.#watermarks.get(w.kind);
    const stale = verdict.ok && accepted !== undefined && verdict.issuedAt < accepted.issuedAt;
    // The core withdraws from every device without a model, also from agents that never had one
    // (or hold no key): refusing what would change nothing is not worth a status error.
    if ((!verdict.ok || stale) && this.#o.store.installed(w.kind) === undefined && !this.#pending.has(w.kind)) {
      this.#o.logger.debug({ kind: w.kind, reason: verdict.ok ? 'older than the last accepted announcement' : verdict.reason }, 'model withdrawal ignored: no model of that kind runs');
      return Promise.resolve();
    }
    if (!verdict.ok) return Promise.resolve(this.#refuse(w.kind, 'withdrawal', `refused: ${verdict.reason}`));
    if (stale) {
      return Promise.resolve(this.#refuse(w.kind, 'withdrawal', `refused: issued at ${new Date(verdict.issuedAt).toISOString()}, before the last accepted announcement (${accepted!.version}, ${new Date(accepted!.issuedAt).toISOString()}); a replay?`));
    }
    return this.#schedule(w.kind, { ...w, issuedAt: verdict.issuedAt, keyId: verdict.keyId });
  }

  /** One update per kind at a time (a download, a withdrawal); a newer one waiting replaces an older one. */
  #schedule(kind: EdgeModelKind, update: PendingUpdate): Promise<void> {
    this.#pending.set(kind, update);
    const run = (this.#busy.get(kind) ?? Promise.resolve()).then(async () => {
      const next = this.#pending.get(kind);
      if (!next) return;
      this.#pending.delete(kind);
      await ('withdrawn' in next ? this.#withdraw(next) : this.#apply(kind, next));
    });
    this.#busy.set(kind, run);
    return run;
  }

  async #withdraw(w: ModelWithdrawal & Signed): Promise<void> {
    const reason = plainText(w.reason, 200);
    try {
      const version = await this.#o.store.withdraw(w.kind, reason);
      this.#errors.delete(w.kind);
      // An agent that had no model gets withdrawals too (the core republishes every device's state): nothing to report then.
      if (version !== undefined) this.#withdrawn.set(w.kind, plainText(`${version}: withdrawn by the core (${reason}) at ${new Date(w.issuedAt).toISOString()}`, 500));
      await this.#watermarks.advance(w.kind, { issuedAt: w.issuedAt, sha256: '', version: 'withdrawn', keyId: w.keyId });
    } catch (err) {
      this.#refuse(w.kind, 'withdrawal', `could not be applied: ${(err as Error).message}`);
    }
  }

  /** Last refusal per kind (cleared by a successful install), for the status message. */
  errors(): Record<string, string> {
    return Object.fromEntries(this.#errors);
  }

  #refuse(kind: EdgeModelKind, version: string, reason: string): void {
    // Announcement text is untrusted: escaped, so a control character cannot reach the status or the log as is.
    const message = plainText(`${version}: ${reason}`, 500);
    this.#errors.set(kind, message);
    this.#o.logger.error({ kind, version, err: message }, 'model update refused; the running model stays');
  }

  async #apply(kind: EdgeModelKind, a: ModelAnnouncement & Signed): Promise<void> {
    if (this.#o.store.installed(kind) === a.sha256) return;
    try {
      const bytes = await this.#download(a);
      const model = await this.#o.store.install(kind, bytes).catch((cause: unknown) => {
        throw new ModelRefusedError(`model ${a.version} does not load: ${(cause as Error).message}`, { cause });
      });
      if (model.version !== a.version) this.#o.logger.warn({ announced: a.version, file: model.version }, 'model file version differs from the announcement');
      this.#errors.delete(kind);
      this.#withdrawn.delete(kind);
      await this.#watermarks.advance(kind, { issuedAt: a.issuedAt, sha256: a.sha256, version: a.version, keyId: a.keyId });
    } catch (err) {
      this.#refuse(kind, a.version, (err as Error).message);
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

/** A withdrawal says so in its first bytes' JSON (`"withdrawn":true`); anything else is read as an announcement. */
function isWithdrawal(payload: Uint8Array): boolean {
  if (payload.byteLength > 4096) return false;
  try {
    const value = JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && 'withdrawn' in value;
  } catch {
    return false;
  }
}
