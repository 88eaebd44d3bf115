import { baselineCommand, parseJsonPayload, plainText, type BaselineCommand, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { verifyBaselineCommand, type TrustedKey } from '@premonitor/contracts/signing';
import type { Logger } from '@premonitor/log';
import { AnnouncementWatermarks } from './announcement-watermarks.js';

/** Options of {@link BaselineCommandClient}. */
export interface BaselineCommandClientOptions {
  readonly ref: DeviceRef;
  /** The core's public keys, the same as for model announcements. */
  readonly trustedKeys: readonly TrustedKey[];
  /** Where the newest applied command per kind is kept, so a retained one is not applied again after a reboot. */
  readonly watermarksFile: string;
  /** Applies an accepted command to the agent's own enrollment. */
  readonly apply: (kind: FrameKind, action: BaselineCommand['action']) => Promise<void>;
  readonly logger: Logger;
}

/**
 * The agent's half of an engineer's baseline action on the core (`POST …/baselines/:site/:device/faulty`,
 * `…/reset`, `…/enroll`), which model-sync forwards as a signed, retained `…/command/baseline/{kind}`:
 * applied only when signed for this device by a trusted core key and issued after the last one
 * applied (kept on disk). Without that, the retained command would be applied again on every
 * reconnect — resetting an enrollment that finished since — and anybody with broker credentials
 * could mark a machine faulty, i.e. stop it from ever being judged against itself.
 */
export class BaselineCommandClient {
  readonly #o: BaselineCommandClientOptions;
  readonly #applied: AnnouncementWatermarks;
  #chain: Promise<void> = Promise.resolve();
  #lastError: string | undefined;

  constructor(options: BaselineCommandClientOptions) {
    this.#o = options;
    this.#applied = new AnnouncementWatermarks(options.watermarksFile, options.logger);
  }

  async start(): Promise<void> {
    await this.#applied.load();
  }

  /** The last refused command, for the status message. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Handles a message of `…/command/baseline/{topicKind}`; resolves once applied or refused. */
  onCommand(topicKind: string, payload: Uint8Array): Promise<void> {
    const run = this.#chain.then(() => this.#handle(topicKind, payload));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #handle(topicKind: string, payload: Uint8Array): Promise<void> {
    const parsed = parseJsonPayload(baselineCommand, payload, 1024);
    if (!parsed.ok) return this.#refuse(`invalid baseline command: ${parsed.reason}`);
    const command = parsed.value;
    if (command.kind !== topicKind) return this.#refuse(`baseline command for '${command.kind}' on the '${topicKind}' topic`);
    const verdict = verifyBaselineCommand(command, this.#o.ref, this.#o.trustedKeys);
    if (!verdict.ok) return this.#refuse(`baseline command refused: ${verdict.reason}`);
    const applied = this.#applied.get(command.kind);
    // Equal too: the same retained command delivered again after a reconnect is not news.
    if (applied && command.issuedAt <= applied.issuedAt) return;
    await this.#o.apply(command.kind, command.action);
    await this.#applied.advance(command.kind, { issuedAt: command.issuedAt, keyId: command.keyId, version: command.action, sha256: '' });
    this.#lastError = undefined;
    this.#o.logger.info({ kind: command.kind, action: command.action, issuedAt: command.issuedAt }, 'baseline command from the core applied to the edge enrollment');
  }

  #refuse(reason: string): void {
    // Payload text is untrusted: escaped before it reaches the status or the log.
    this.#lastError = plainText(reason, 500);
    this.#o.logger.warn({ err: this.#lastError }, 'baseline command refused');
  }
}
