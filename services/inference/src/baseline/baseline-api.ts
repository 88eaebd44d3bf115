import express, { Router, type Request } from 'express';
import { isValidId, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { HttpError } from '@premonitor/http';
import type { ModelSlot } from '../model-slot.js';
import type { BaselineRecord, BaselineStore } from './baseline-store.js';
import { measuredFramesPerDay, type DeviceBaselines } from './device-baselines.js';

/** Collaborators of the baselines endpoints. */
export interface BaselineApiOptions {
  readonly kind: FrameKind;
  readonly slot: ModelSlot;
  readonly store: BaselineStore;
  readonly baselines: DeviceBaselines;
}

/** One enrollment or baseline as the API shows it (the baseline values themselves stay internal). */
export interface BaselineView {
  readonly site: string;
  readonly device: string;
  readonly kind: string;
  readonly modelVersion: string;
  /** `faulty`: an engineer marked the machine faulty; it does not enroll until reset. */
  readonly status: 'enrolling' | 'ready' | 'faulty';
  readonly method: string;
  readonly accepted: number;
  readonly frames: number;
  /** accepted / frames, capped at 1. */
  readonly progress: number;
  /** Samples the fleet model found anomalous and left out (the `fleet` gate only). */
  readonly rejected: number;
  /** The fleet model's opinion of the samples enrolled from — shown, not a gate: how many it found anomalous and their mean fleet score. */
  readonly fleetOpinion: { readonly anomalous: number; readonly meanScore: number | null };
  /** Frames per day the device sent while enrolling (its own threshold's rate), once measurable. */
  readonly framesPerDay: number | null;
  readonly faulty: { readonly at: string; readonly note: string | null } | null;
  /** An engineer restarted the enrollment to take frames whatever the fleet score. */
  readonly acceptFleetAnomalous: boolean;
  /** True when this is the model in service's: its frames are scored against it once ready. */
  readonly inService: boolean;
  readonly lastSampleAt: string | null;
  readonly startedAt: string;
  readonly readyAt: string | null;
}

const STATUSES = ['enrolling', 'ready'] as const;

/**
 * `/inference/{kind}/baselines…` under `/api/v1`: which devices are enrolled with the model
 * in service, how far the others are, a reset that makes a device enroll again (after a
 * repair, or when it was enrolled while already faulty), and a restart of the enrollment
 * that can take frames the fleet finds anomalous (a healthy machine unlike the fleet), and a
 * mark that a machine is faulty, so it does not enroll until the repair (then reset or enroll). Paths carry the kind so the acoustic
 * and thermal services can share one HTTP server (embedded mode).
 */
export function createBaselineApi(options: BaselineApiOptions): Router {
  const { kind, slot, store, baselines } = options;
  const router = Router();
  const base = `/inference/${kind}/baselines`;
  const view = (r: BaselineRecord): BaselineView => {
    const [site, device] = r.deviceId.split('/') as [string, string];
    return {
      site,
      device,
      kind: r.kind,
      modelVersion: r.modelVersion,
      status: r.faulty ? 'faulty' : r.status,
      method: r.method,
      accepted: r.accepted,
      frames: r.frames,
      progress: Math.min(1, r.accepted / r.frames),
      rejected: r.rejected,
      fleetOpinion: r.fleetOpinion,
      framesPerDay: measuredFramesPerDay(r) ?? null,
      faulty: r.faulty ? { at: r.faulty.at.toISOString(), note: r.faulty.note } : null,
      acceptFleetAnomalous: r.acceptAll,
      inService: r.modelVersion === slot.current?.version,
      lastSampleAt: r.lastSampleAt?.toISOString() ?? null,
      startedAt: r.startedAt.toISOString(),
      readyAt: r.readyAt?.toISOString() ?? null,
    };
  };

  router.get(base, async (req, res) => {
    const status = optionalQuery(req, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new HttpError(400, 'invalid_query', `status must be 'enrolling' or 'ready', got '${status}'`);
    const site = optionalQuery(req, 'site');
    const device = optionalQuery(req, 'device');
    if (device !== undefined && site === undefined) throw new HttpError(400, 'invalid_query', 'device needs site as well');
    for (const [name, value] of [['site', site], ['device', device]] as const) {
      if (value !== undefined && !isValidId(value)) throw new HttpError(400, 'invalid_query', `${name} '${value}' is not a valid id`);
    }
    const allVersions = optionalQuery(req, 'all_versions') === 'true';
    const model = slot.current;
    const rows = await store.list({
      kind,
      ...(status ? { status: status as BaselineRecord['status'] } : {}),
      ...(site && device ? { deviceId: `${site}/${device}` } : {}),
      ...(!allVersions && model ? { modelVersion: model.version } : {}),
    });
    const shown = rows.filter((r) => site === undefined || r.deviceId.startsWith(`${site}/`)).map(view);
    res.json({
      kind,
      enabled: baselines.enabled,
      modelVersion: model?.version ?? null,
      frames: model ? baselines.enrollmentFrames(model) ?? null : null,
      gate: baselines.gate,
      method: model?.baseline?.method ?? null,
      baselines: shown,
    });
  });

  router.get(`${base}/:site/:device`, async (req, res) => {
    const ref = deviceParams(req);
    const rows = await store.list({ kind, deviceId: `${ref.site}/${ref.device}` });
    if (rows.length === 0) throw new HttpError(404, 'not_found', `${ref.site}/${ref.device} has no ${kind} baseline or enrollment yet (a device starts enrolling with its first frame)`);
    const current = rows.find((r) => r.modelVersion === slot.current?.version);
    res.json({ site: ref.site, device: ref.device, kind, reference: current?.status === 'ready' ? 'device' : 'fleet', baselines: rows.map(view) });
  });

  router.post(`${base}/:site/:device/reset`, async (req, res) => {
    const ref = deviceParams(req);
    if (!baselines.enabled) throw new HttpError(409, 'baselines_disabled', `per-device baselines are switched off for ${kind} (BASELINES_ENABLED=false)`);
    const versions = await baselines.reset(ref);
    if (versions.length === 0) throw new HttpError(404, 'not_found', `${ref.site}/${ref.device} has no ${kind} baseline or enrollment to reset`);
    res.json({ site: ref.site, device: ref.device, kind, reset: versions });
  });
  router.post(`${base}/:site/:device/enroll`, express.json({ limit: '4kb' }), async (req, res) => {
    const ref = deviceParams(req);
    const acceptAll = onlyField(req, 'acceptFleetAnomalous', 'true') ?? false;
    if (typeof acceptAll !== 'boolean') throw new HttpError(400, 'invalid_body', 'acceptFleetAnomalous must be true or false');
    await withBaselineModel((model) => baselines.restart(ref, model, acceptAll));
    const [row] = await store.list({ kind, deviceId: `${ref.site}/${ref.device}`, modelVersion: slot.current?.version ?? '' });
    res.status(202).json(row ? view(row) : { site: ref.site, device: ref.device, kind, status: 'enrolling' });
  });
  // An engineer knows the machine is faulty: it must not learn its fault as its normal.
  router.post(`${base}/:site/:device/faulty`, express.json({ limit: '4kb' }), async (req, res) => {
    const ref = deviceParams(req);
    const note = onlyField(req, 'note', '"bearing noise heard on site"');
    if (note !== undefined && !(typeof note === 'string' && note.length <= 500 && !/[\u0000-\u001f]/.test(note))) throw new HttpError(400, 'invalid_body', 'note must be text of at most 500 characters without control characters');
    await withBaselineModel((model) => baselines.markFaulty(ref, model, note));
    const [row] = await store.list({ kind, deviceId: `${ref.site}/${ref.device}`, modelVersion: slot.current?.version ?? '' });
    res.json(row ? view(row) : { site: ref.site, device: ref.device, kind, status: 'faulty' });
  });

  /** Runs `action` with the model in service, which must have baselines (else 409 / 503). */
  async function withBaselineModel(action: (model: NonNullable<ModelSlot['current']>) => Promise<void>): Promise<void> {
    if (!baselines.enabled) throw new HttpError(409, 'baselines_disabled', `per-device baselines are switched off for ${kind} (BASELINES_ENABLED=false)`);
    const lease = slot.lease();
    if (!lease) throw new HttpError(503, 'no_model', `no ${kind} model is in service yet`);
    try {
      if (!lease.model.baseline) throw new HttpError(409, 'no_baselines', `the ${kind} model in service (${lease.model.version}) scores against the fleet only`);
      await action(lease.model);
    } finally {
      lease.release();
    }
  }
  return router;
}

/** The body's one allowed field (undefined when absent); 400 for anything but a JSON object holding at most it. */
function onlyField(req: Request, field: string, example: string): unknown {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', `the body must be a JSON object, e.g. {"${field}": ${example}}`);
  const unknown = Object.keys(body).filter((k) => k !== field);
  if (unknown.length > 0) throw new HttpError(400, 'invalid_body', `unknown field '${unknown[0]}'; the only field is ${field}`);
  return (body as Record<string, unknown>)[field];
}

function deviceParams(req: Request): DeviceRef {
  return checkedDeviceRef(String(req.params['site']), String(req.params['device']), 'invalid_path');
}

/** `{site, device}` when both are valid ids; otherwise a 400 with `code` naming the bad one. */
export function checkedDeviceRef(site: string, device: string, code: string): DeviceRef {
  for (const [name, value] of [['site', site], ['device', device]] as const) {
    if (!isValidId(value)) throw new HttpError(400, code, `${name} '${value}' is not a valid id (letters, digits, '_' and '-')`);
  }
  return { site, device };
}

function optionalQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'invalid_query', `${name} must be given once`);
  return value;
}
