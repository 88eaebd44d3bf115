import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ID_PATTERN, deviceKey, safeText } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ArtifactStore } from '@premonitor/registry';
import type { Clock } from '@premonitor/time';
import { decodeSample, type SampleLimits } from './sample-decoder.js';
import { FAULT_CLASS_PATTERN, SAMPLE_KINDS, SAMPLE_LABELS } from './sample-kinds.js';
import { sampleRepository, type SampleRecord } from './sample-repository.js';
import type { UploadedFile } from './multipart-upload.js';

/** The fields that describe a sample (form fields, or an import's options). */
export const sampleFieldsSchema = z.object({
  kind: z.enum(SAMPLE_KINDS),
  label: z.enum(SAMPLE_LABELS),
  faultClass: z.string().regex(FAULT_CLASS_PATTERN, 'letters, digits, _ . - (≤ 64)').optional(),
  site: z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}').optional(),
  device: z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}').optional(),
  note: safeText(1_000).optional(),
  channel: z.coerce.number().int().min(0).max(63).optional(),
});
export type SampleFields = z.infer<typeof sampleFieldsSchema>;

/** The outcome for one file: stored (201), already stored (200), or refused with the reason. */
export type SampleOutcome =
  | { readonly file: string; readonly status: 201 | 200; readonly duplicate: boolean; readonly sample: SampleRecord }
  | { readonly file: string; readonly status: 400 | 404 | 413 | 422; readonly error: string; readonly message: string; readonly field?: string };

/** Collaborators of {@link SampleIntake}. */
export interface SampleIntakeOptions {
  readonly db: Kysely<Database>;
  /** Content-addressed store of the sample files. */
  readonly store: ArtifactStore;
  readonly limits: SampleLimits;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
  /** Called after a new labelled sample is stored (the threshold trigger counts them). */
  readonly onStored?: (sample: SampleRecord) => void;
}

/**
 * Takes labelled sample files in: validates the fields, the device (must be known to ingest)
 * and the file itself (decoded fully) before anything is stored; then stores the bytes
 * content-addressed and the row, recognising a file already stored for the kind by its
 * sha256. Each file gets its own outcome, so one bad file never costs the others.
 */
export class SampleIntake {
  readonly #o: SampleIntakeOptions;

  constructor(options: SampleIntakeOptions) {
    this.#o = options;
  }

  async take(file: Pick<UploadedFile, 'filename' | 'bytes' | 'truncated'>, rawFields: Readonly<Record<string, unknown>>, uploadedBy: string): Promise<SampleOutcome> {
    const name = file.filename;
    // An empty field clears it (a later part's `faultClass=` undoes an earlier one).
    const parsed = sampleFieldsSchema.safeParse(Object.fromEntries(Object.entries(rawFields).filter(([, v]) => v !== '')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      return { file: name, status: 400, error: 'invalid_field', message: `${field}: ${issue.message}`, field };
    }
    const fields = parsed.data;
    if (fields.faultClass !== undefined && fields.label === 'normal') return { file: name, status: 400, error: 'invalid_field', message: 'faultClass: only an anomalous sample has a fault class', field: 'faultClass' };
    if ((fields.site === undefined) !== (fields.device === undefined)) return { file: name, status: 400, error: 'invalid_field', message: 'site and device come together (or neither)', field: fields.site === undefined ? 'site' : 'device' };
    if (file.truncated) return { file: name, status: 413, error: 'file_too_large', message: `the file is larger than ${this.#o.limits.maxFileBytes} bytes, the limit per file` };
    const device = fields.site !== undefined && fields.device !== undefined ? deviceKey({ site: fields.site, device: fields.device }) : null;
    if (device !== null && !(await this.#deviceKnown(device))) return { file: name, status: 404, error: 'unknown_device', message: `device ${device} is not known to ingest; a device is known once it has connected`, field: 'device' };
    const decoded = decodeSample(fields.kind, file.bytes, this.#o.limits, fields.channel === undefined ? {} : { channel: fields.channel });
    if (!decoded.ok) return { file: name, status: decoded.status, error: decoded.error, message: decoded.message };

    // The bytes go first: a row never points at a file that is not stored; a file without a
    // row (a crash in between) is content-addressed, so a retry stores the same file again.
    const stored = await this.#o.store.put(file.bytes);
    const { record, created } = await sampleRepository.insert(this.#o.db, {
      kind: fields.kind,
      label: fields.label,
      faultClass: fields.faultClass ?? null,
      device,
      sha256: stored.sha256,
      size: stored.size,
      format: decoded.format,
      filename: name.slice(0, 255),
      note: fields.note ?? null,
      uploadedBy,
      metadata: { ...decoded.summary },
      time: new Date(this.#o.clock.now()),
    });
    if (created) {
      this.#o.logger.info({ sample: record.id, kind: record.kind, label: record.label, device, sha256: record.sha256 }, 'labelled sample stored');
      this.#o.onStored?.(record);
    }
    return { file: name, status: created ? 201 : 200, duplicate: !created, sample: record };
  }

  async #deviceKnown(id: string): Promise<boolean> {
    const row = await this.#o.db.selectFrom('devices').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }
}
