import express, { Router, type Request } from 'express';
import { deviceKey, type FrameKind } from '@premonitor/contracts';
import { HttpError } from '@premonitor/http';
import { parseThermalMatrix, readWav, ThermalMatrixError, WavFormatError } from '@premonitor/ml/data';
import { realClock, type Clock } from '@premonitor/bus';
import { scoreFrames } from './batch-runner.js';
import { audioRows, thermalRows, type FrameRows } from './frame-adapter.js';
import type { InferenceMetrics } from './inference-metrics.js';
import type { ModelSlot } from './model-slot.js';
import type { ScoringModel } from './scoring-model.js';
import type { DeviceBaselines } from './baseline/device-baselines.js';
import { checkedDeviceRef } from './baseline/baseline-api.js';

/** Settings of the upload endpoint. */
export interface ScoreApiOptions {
  readonly kind: FrameKind;
  readonly slot: ModelSlot;
  readonly metrics: InferenceMetrics;
  /** Largest accepted body, bytes; larger uploads get 413. */
  readonly maxUploadBytes: number;
  readonly clock?: Clock;
  /** When given, `?site=&device=` scores the upload against that device's baseline. */
  readonly baselines?: DeviceBaselines;
  /**
   * True when another kind's score router follows on the same server (embedded mode): then
   * `POST /inference/score` with that kind's content type is left to it instead of a 415.
   */
  readonly sharedUploadPath?: boolean;
}

/** Answer of `POST /inference/score`. */
export interface UploadScore {
  readonly kind: FrameKind;
  readonly score: number;
  readonly error: number;
  readonly modelVersion: string;
  readonly threshold: number | null;
  readonly anomalous: boolean | null;
  readonly latencyMs: number;
  /** `device` when scored against the device named in the query (enrolled), else `fleet`. */
  readonly reference: 'device' | 'fleet';
  /** The score against the fleet, for a model with baselines. */
  readonly fleetScore: number | null;
  /** What was scored: audio rate and length, or thermal width × height, before adaptation. */
  readonly input: Readonly<Record<string, number>>;
}

const UPLOAD_TYPES: Record<FrameKind, readonly string[]> = {
  acoustic: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  thermal: ['application/json', 'text/csv'],
};

/**
 * `POST /inference/{kind}/score` (and `POST /inference/score`, which picks the kind by content
 * type): scores one uploaded frame with the model in service, for manual checks — nothing is
 * stored or published. Acoustic services take `audio/wav` (any common rate, resampled);
 * thermal services take a matrix as `application/json` or `text/csv`. `?site=S&device=D`
 * scores it against that device's baseline when the device is enrolled.
 */
export function createScoreApi(options: ScoreApiOptions): Router {
  const router = Router();
  const clock = options.clock ?? realClock;
  const accepted = UPLOAD_TYPES[options.kind];
  const others = Object.entries(UPLOAD_TYPES).filter(([k]) => k !== options.kind).flatMap(([, types]) => types);
  // A raw body for every type; the content type is checked by hand so a wrong one gets a clear 415.
  const body = express.raw({ type: () => true, limit: options.maxUploadBytes });
  // With a shared server, the unqualified path leaves another kind's upload to that kind's router.
  if (options.sharedUploadPath) router.post('/inference/score', (req, _res, next) => next(others.includes(mediaType(req)) ? 'router' : undefined));
  router.post(['/inference/score', `/inference/${options.kind}/score`], body, async (req, res) => {
    const started = clock.now();
    const type = mediaType(req);
    const device = uploadDevice(req);
    if (!accepted.includes(type)) {
      options.metrics.uploads.inc({ kind: options.kind, outcome: 'unsupported_type' });
      throw new HttpError(415, 'unsupported_media_type', `this ${options.kind} service scores ${accepted.join(' or ')} uploads, got '${type || 'no content type'}'`);
    }
    const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength) : new Uint8Array();
    if (bytes.byteLength === 0) throw new HttpError(400, 'empty_upload', 'the request body is empty; send the file as the body');
    const lease = options.slot.lease();
    if (!lease) throw new HttpError(503, 'no_model', `no ${options.kind} model is in service yet; promote one in the registry`);
    try {
      const { rows, input } = parseUpload(options.kind, type, bytes, lease.model);
      const baselines = device && options.baselines?.baselinesFor(lease.model, [device]);
      const [result] = await scoreFrames(lease.model, [rows], baselines || undefined);
      const threshold = lease.model.threshold ?? null;
      const answer: UploadScore = {
        kind: options.kind,
        score: result!.score,
        error: result!.error,
        modelVersion: lease.model.version,
        threshold,
        anomalous: threshold === null ? null : result!.score >= threshold,
        latencyMs: clock.now() - started,
        reference: result!.reference,
        fleetScore: result!.fleetScore ?? null,
        input,
      };
      options.metrics.uploads.inc({ kind: options.kind, outcome: 'scored' });
      res.json(answer);
    } catch (err) {
      if (err instanceof HttpError) options.metrics.uploads.inc({ kind: options.kind, outcome: 'invalid' });
      throw err;
    } finally {
      lease.release();
    }
  });
  return router;
}

function parseUpload(kind: FrameKind, type: string, bytes: Uint8Array, model: ScoringModel): { rows: FrameRows; input: Record<string, number> } {
  try {
    if (kind === 'acoustic') {
      const wav = readWav(bytes);
      if (wav.samples.length === 0) throw new HttpError(400, 'invalid_wav', 'the WAV file holds no samples');
      return { rows: audioRows(wav.samples, wav.sampleRate, model), input: { sampleRate: wav.sampleRate, samples: wav.samples.length, channels: wav.channels } };
    }
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const matrix = parseThermalMatrix(text, { format: type === 'text/csv' ? 'csv' : 'json' });
    return { rows: thermalRows(matrix, model), input: { width: matrix.width, height: matrix.height } };
  } catch (err) {
    if (err instanceof WavFormatError) throw new HttpError(400, 'invalid_wav', `not a readable WAV file: ${err.message}`);
    if (err instanceof ThermalMatrixError) {
      const at = err.row === undefined ? '' : ` (row ${err.row}${err.column === undefined ? '' : `, column ${err.column}`})`;
      throw new HttpError(400, 'invalid_matrix', `not a readable thermal matrix${at}: ${err.message}`);
    }
    if (err instanceof TypeError && kind === 'thermal') throw new HttpError(400, 'invalid_matrix', 'the thermal matrix is not valid UTF-8 text');
    throw err;
  }
}

/** `site/device` from `?site=&device=`, or undefined when neither is given. */
function uploadDevice(req: Request): string | undefined {
  const { site, device } = req.query;
  if (site === undefined && device === undefined) return undefined;
  if (typeof site !== 'string' || typeof device !== 'string') throw new HttpError(400, 'invalid_query', 'give both site and device, once each, to score against a device baseline');
  return deviceKey(checkedDeviceRef(site, device, 'invalid_query'));
}

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
