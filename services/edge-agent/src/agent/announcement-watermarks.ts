import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Logger } from '@premonitor/log';
import { writeFileAtomic } from './atomic-file.js';

/** The newest announcement accepted for one kind. */
export interface Watermark {
  readonly issuedAt: number;
  readonly sha256: string;
  readonly version: string;
  readonly keyId: string;
}

const fileSchema = z.record(z.string(), z.strictObject({ issuedAt: z.number().int().nonnegative(), sha256: z.string(), version: z.string(), keyId: z.string() }));

/**
 * Per kind, the `issuedAt` of the newest model announcement the agent accepted, kept on disk
 * (written atomically) so that after a reboot an older announcement — a genuine one captured
 * earlier and replayed to roll the device back — is still refused.
 */
export class AnnouncementWatermarks {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #marks = new Map<string, Watermark>();

  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
  }

  /** Reads the file; a missing one is a fresh start, an unreadable one is logged and started afresh. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn({ path: this.#path, err: (err as Error).message }, 'cannot read the model announcement watermarks; starting without');
      return;
    }
    const parsed = fileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      this.#logger.warn({ path: this.#path }, 'model announcement watermarks unreadable; starting without');
      return;
    }
    for (const [kind, mark] of Object.entries(parsed.data)) this.#marks.set(kind, mark);
  }

  /** The newest accepted announcement of `kind`, if any. */
  get(kind: string): Watermark | undefined {
    return this.#marks.get(kind);
  }

  /** Records `mark` when it is newer than what is there, and persists it. */
  async advance(kind: string, mark: Watermark): Promise<void> {
    const current = this.#marks.get(kind);
    if (current && current.issuedAt >= mark.issuedAt) return;
    this.#marks.set(kind, mark);
    await writeFileAtomic(this.#path, JSON.stringify(Object.fromEntries(this.#marks)));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
