import type { Kysely } from 'kysely';
import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';
import type { ConsumerPolicy } from '@premonitor/resilience';
import { busSubjects, decodeFrame, deviceKey, type AlertFeedbackEvent, type Frame, type FrameKind } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { writeWav } from '@premonitor/ml/data';
import type { SampleIntake } from './sample-intake.js';

/** What one verdict turned into. */
export interface FeedbackOutcome {
  readonly stored: number;
  readonly duplicates: number;
  /** Frames the intake refused or that no longer decode, with why. */
  readonly refused: readonly { readonly seq: number; readonly reason: string }[];
}

/** A kept frame as the sample file the intake validates: acoustic → WAV, thermal → its image or a JSON °C matrix. */
export function frameFile(frame: Frame): { readonly extension: string; readonly bytes: Uint8Array } {
  if (frame.kind === 'acoustic') return { extension: 'wav', bytes: writeWav(Float32Array.from(frame.samples, (v) => v / 32_768), frame.sampleRate) };
  if ('image' in frame) return { extension: frame.image[0] === 0x89 ? 'png' : 'jpg', bytes: frame.image };
  const rows = Array.from({ length: frame.height }, (_, y) => Array.from(frame.celsius.subarray(y * frame.width, (y + 1) * frame.width)));
  return { extension: 'json', bytes: new TextEncoder().encode(JSON.stringify(rows)) };
}

/**
 * Turns an engineer's verdict on an alert into labelled samples: the frames inference kept for
 * the alert's device (`recent_frames`, owned by inference) from `marginMs` before its first raise
 * to `marginMs` after its last go through the same intake as an upload, labelled `anomalous`
 * for a true fault and `normal` for a false alarm, uploaded by the engineer who gave the verdict.
 */
export class FeedbackSamples {
  constructor(private readonly o: { readonly db: Kysely<Database>; readonly intake: SampleIntake; readonly logger: Logger; readonly marginMs: number }) {}

  async apply(event: AlertFeedbackEvent): Promise<FeedbackOutcome> {
    const ref = { site: event.site, device: event.device };
    const rows = await this.o.db
      .selectFrom('recent_frames')
      .select(['kind', 'seq', 'payload'])
      .where('device_id', '=', deviceKey(ref))
      .where('time', '>=', new Date(event.from - this.o.marginMs))
      .where('time', '<=', new Date(event.to + this.o.marginMs))
      .orderBy('time')
      .orderBy('seq')
      .execute();
    const label = event.verdict === 'true_fault' ? 'anomalous' : 'normal';
    let stored = 0;
    let duplicates = 0;
    const refused: { seq: number; reason: string }[] = [];
    for (const row of rows) {
      const seq = Number(row.seq);
      const decoded = decodeFrame(row.payload, row.kind as FrameKind);
      if (!decoded.ok) {
        refused.push({ seq, reason: decoded.reason });
        continue;
      }
      const file = frameFile(decoded.value);
      const outcome = await this.o.intake.take(
        { filename: `alert-${event.alertId}-${row.kind}-${seq}.${file.extension}`, bytes: file.bytes, truncated: false },
        { kind: row.kind, label, site: event.site, device: event.device, note: `alert ${event.alertId} (${event.rule}): ${event.verdict}${event.note ? ` — ${event.note}` : ''}`.slice(0, 1000) },
        event.actor,
      );
      if ('error' in outcome) refused.push({ seq, reason: `${outcome.error}: ${outcome.message}` });
      else if (outcome.duplicate) duplicates++;
      else stored++;
    }
    this.o.logger.info({ alertId: event.alertId, device: deviceKey(ref), verdict: event.verdict, frames: rows.length, stored, duplicates, refused: refused.length }, 'alert feedback turned into labelled samples');
    return { stored, duplicates, refused };
  }
}

/**
 * Consumes `pm.feedback.*` (durable `durable`, shared by replicas): each verdict is applied, then
 * acknowledged; an invalid event is dead-lettered, a failure redelivered by `policy`.
 */
export function consumeFeedback(bus: Bus, policy: ConsumerPolicy, feedback: FeedbackSamples, durable = 'retraining-feedback'): Promise<Subscription> {
  return bus.consume(
    policy.spec({ stream: busSubjects.feedback.stream, durable, filterSubject: busSubjects.feedback.wildcard, ackWaitMs: 60_000 }),
    policy.guard(async (message) => {
      const decoded = decodeEvent('feedback', message);
      if (!decoded.ok) return void policy.deadLetter(message, `invalid feedback event: ${decoded.reason}`);
      await feedback.apply(decoded.value);
      message.ack();
    }),
  );
}
