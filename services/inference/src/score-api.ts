import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { deviceKey, type FrameKind } from '@premonitor/contracts';
import { HttpError } from '@premonitor/http';
import { scoreFrames } from '@premonitor/ml/scoring';
import { systemClock, type Clock } from '@premonitor/time';
import type { InferenceMetrics } from './inference-metrics.js';
import type { ModelSlot } from './model-slot.js';
import type { DeviceBaselines } from './baseline/device-baselines.js';
import { checkedDeviceRef } from './baseline/baseline-api.js';
import type { TemperatureScale } from '@premonitor/ml/data';
import { THERMAL_IMAGE_TYPES, precheckUpload, type UploadDecoder, type UploadLimits, type UploadRefusal } from './upload-decoder.js';

/** Settings of the upload endpoint. */
export interface ScoreApiOptions {
  readonly kind: FrameKind;
  readonly slot: ModelSlot;
  readonly metrics: InferenceMetrics;
  /** Largest accepted body, bytes; larger uploads get 413 naming the limit. */
  readonly maxUploadBytes: number;
  /** Rate, duration, channel and thermal-size bounds, checked before the work they bound. */
  readonly limits: UploadLimits;
  /** Where decoding and resampling run (the onnxruntime worker threads in the service). */
  readonly decode: UploadDecoder;
  /** Uploads handled at once; more get 429 (each holds its body in memory while it is decoded). */
  readonly concurrency: number;
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
  thermal: ['application/json', 'text/csv', ...THERMAL_IMAGE_TYPES],
};

/**
 * `POST /inference/{kind}/score` (and `POST /inference/score`, which picks the kind by content
 * type): scores one uploaded frame with the model in service, for manual checks — nothing is
 * stored or published. Acoustic services take `audio/wav` (8–96 kHz by default, resampled);
 * thermal services take a matrix as `application/json` or `text/csv`, or a greyscale image as
 * `image/png` (8/16-bit) or `image/jpeg` (8-bit) with an optional `?minC=&maxC=` temperature
 * range — required when the model in service reads absolute °C (422 otherwise). `?site=S&device=D`
 * scores it against that device's baseline when the device is enrolled.
 *
 * Work per upload is bounded before it is done: the declared size (413), the number of uploads
 * in progress (429), a WAV's rate, duration and channels from its header (422), a matrix's
 * dimensions (422); decoding and resampling run in `options.decode` (worker threads), never on
 * the event loop. A refusal names the limit, the value and what is allowed.
 */
export function createScoreApi(options: ScoreApiOptions): Router {
  const router = Router();
  const clock = options.clock ?? systemClock;
  const { kind, metrics, limits } = options;
  const accepted = UPLOAD_TYPES[kind];
  const others = Object.entries(UPLOAD_TYPES).filter(([k]) => k !== kind).flatMap(([, types]) => types);
  const count = (outcome: string) => metrics.uploads.inc({ kind, outcome });
  let active = 0;
  const refuse = (res: Response, refusal: UploadRefusal) => {
    count(refusal.status === 413 ? 'too_large' : refusal.status === 422 ? 'limit' : 'invalid');
    res.status(refusal.status).json({ error: refusal.error, message: refusal.message, ...(refusal.limit ? { limit: refusal.limit.name, value: refusal.limit.value, allowed: refusal.limit.allowed } : {}) });
  };
  // With a shared server, the unqualified path leaves another kind's upload to that kind's router.
  if (options.sharedUploadPath) router.post('/inference/score', (req, _res, next) => next(others.includes(mediaType(req)) ? 'router' : undefined));
  // Checked before the body is read, so a refused upload costs no buffering.
  const admit: RequestHandler = (req, res, next) => {
    const type = mediaType(req);
    if (!accepted.includes(type)) {
      count('unsupported_type');
      throw new HttpError(415, 'unsupported_media_type', `this ${kind} service scores ${accepted.join(' or ')} uploads, got '${type || 'no content type'}'`);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxUploadBytes) return refuse(res, tooLarge(declared, options.maxUploadBytes));
    if (active >= options.concurrency) {
      count('busy');
      res.set('retry-after', '1');
      throw new HttpError(429, 'too_many_uploads', `${active} uploads are being scored (the limit is ${options.concurrency}); retry shortly`);
    }
    active++;
    metrics.uploadsInProgress.set({ kind }, active);
    res.once('close', () => metrics.uploadsInProgress.set({ kind }, --active));
    next();
  };
  const body = express.raw({ type: () => true, limit: options.maxUploadBytes });
  router.post(['/inference/score', `/inference/${kind}/score`], admit, body, async (req, res) => {
    const started = clock.now();
    const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength) : new Uint8Array();
    let device: string | undefined;
    let scale: TemperatureScale | undefined;
    try {
      device = uploadDevice(req);
      scale = temperatureScale(req);
      if (bytes.byteLength === 0) throw new HttpError(400, 'empty_upload', 'the request body is empty; send the file as the body');
    } catch (err) {
      count('invalid');
      throw err;
    }
    const lease = options.slot.lease();
    if (!lease) throw new HttpError(503, 'no_model', `no ${kind} model is in service yet; promote one in the registry`);
    try {
      const model = lease.model;
      const target = { kind, mediaType: mediaType(req), sampleRate: model.sampleRate, frameShape: model.frameShape, thermalInput: model.thermalInput, version: model.version, scale };
      const early = precheckUpload(bytes, target, limits);
      if (early) return refuse(res, early);
      const stopTimer = metrics.uploadDecode.startTimer({ kind });
      const decoded = await options.decode(bytes, target, limits);
      stopTimer();
      if (!decoded.ok) return refuse(res, decoded);
      const width = decoded.packed.length / decoded.rows;
      const rows = Array.from({ length: decoded.rows }, (_, i) => decoded.packed.subarray(i * width, (i + 1) * width));
      const baselines = device && options.baselines?.baselinesFor(model, [device]);
      const [result] = await scoreFrames(model, [rows], baselines || undefined);
      const threshold = model.threshold ?? null;
      const answer: UploadScore = {
        kind,
        score: result!.score,
        error: result!.error,
        modelVersion: model.version,
        threshold,
        anomalous: threshold === null ? null : result!.score >= threshold,
        latencyMs: clock.now() - started,
        reference: result!.reference,
        fleetScore: result!.fleetScore ?? null,
        input: decoded.input,
      };
      count('scored');
      res.json(answer);
    } finally {
      lease.release();
    }
  });
  // A body without Content-Length that turns out too large is cut off by the parser; say which limit.
  const bodyErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if ((err as { type?: string } | null)?.type !== 'entity.too.large') return next(err);
    const length = Number((err as { length?: number }).length);
    refuse(res, tooLarge(Number.isFinite(length) ? length : undefined, options.maxUploadBytes));
  };
  router.use(bodyErrors);
  return router;
}

function tooLarge(size: number | undefined, max: number): UploadRefusal {
  const allowed = `at most ${max} bytes`;
  const message = size === undefined ? `the upload exceeds ${max} bytes, the most accepted (limit size)` : `the upload is ${size} bytes; ${allowed} are accepted (limit size)`;
  return { ok: false, status: 413, error: 'upload_too_large', message, limit: { name: 'size', value: size ?? max + 1, allowed } };
}

/** `site/device` from `?site=&device=`, or undefined when neither is given. */
function uploadDevice(req: Request): string | undefined {
  const { site, device } = req.query;
  if (site === undefined && device === undefined) return undefined;
  if (typeof site !== 'string' || typeof device !== 'string') throw new HttpError(400, 'invalid_query', 'give both site and device, once each, to score against a device baseline');
  return deviceKey(checkedDeviceRef(site, device, 'invalid_query'));
}

/** `?minC=&maxC=`: an image's temperature range (intensity 0 → minC, full scale → maxC); both or neither. */
function temperatureScale(req: Request): TemperatureScale | undefined {
  const { minC, maxC } = req.query;
  if (minC === undefined && maxC === undefined) return undefined;
  const number = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);
  const [min, max] = [number(minC), number(maxC)];
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new HttpError(400, 'invalid_query', 'give both minC and maxC, once each, as numbers (°C of intensity 0 and of full scale)');
  if (!(max > min)) throw new HttpError(400, 'invalid_query', `maxC (${max}) must exceed minC (${min})`);
  return { kind: 'range', minC: min, maxC: max };
}

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
