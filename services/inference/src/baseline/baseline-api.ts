import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { ID_PATTERN, isValidId, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { HttpError, validateInput } from '@premonitor/http';
import type { ModelSlot } from '../model-slot.js';
import type { BaselineRecord, BaselineStore } from './baseline-store.js';
import type { DeviceBaselines } from './device-baselines.js';

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
  readonly status: 'enrolling' | 'ready';
  readonly method: string;
  readonly accepted: number;
  readonly frames: number;
  /** accepted / frames, capped at 1. */
  readonly progress: number;
  /** Samples the fleet model found anomalous and left out. */
  readonly rejected: number;
  /** An engineer restarted the enrollment to take frames whatever the fleet score. */
  readonly acceptFleetAnomalous: boolean;
  /** True when this is the model in service's: its frames are scored against it once ready. */
  readonly inService: boolean;
  readonly lastSampleAt: string | null;
  readonly startedAt: string;
  readonly readyAt: string | null;
}

const STATUSES = ['enrolling', 'ready'] as const;
const id = z.string().regex(ID_PATTERN, 'is not a valid id (letters, digits and -)');

/** `GET /inference/{kind}/baselines`: filters; `all_versions=true` also lists baselines of models not in service. */
export const baselineListQuery = z
  .strictObject({ status: z.enum(STATUSES).optional(), site: id.optional(), device: id.optional(), all_versions: z.enum(['true', 'false']).optional() })
  .refine((q) => q.device === undefined || q.site !== undefined, { message: 'device needs site as well', path: ['device'] });

/** `POST /inference/{kind}/baselines/{site}/{device}/enroll`: restart the enrollment; `acceptFleetAnomalous` takes frames whatever the fleet score. */
export const enrollBody = z.strictObject({ acceptFleetAnomalous: z.boolean().default(false) });

/**
 * `/inference/{kind}/baselines…` under `/api/v1`: which devices are enrolled with the model
 * in service, how far the others are, a reset that makes a device enroll again (after a
 * repair, or when it was enrolled while already faulty), and a restart of the enrollment
 * that can take frames the fleet finds anomalous (a healthy machine unlike the fleet). Paths carry the kind so the acoustic
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
      status: r.status,
      method: r.method,
      accepted: r.accepted,
      frames: r.frames,
      progress: Math.min(1, r.accepted / r.frames),
      rejected: r.rejected,
      acceptFleetAnomalous: r.acceptAll,
      inService: r.modelVersion === slot.current?.version,
      lastSampleAt: r.lastSampleAt?.toISOString() ?? null,
      startedAt: r.startedAt.toISOString(),
      readyAt: r.readyAt?.toISOString() ?? null,
    };
  };

  router.get(base, async (req, res) => {
    const { status, site, device, all_versions } = validateInput(baselineListQuery, req.query);
    const allVersions = all_versions === 'true';
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
      frames: model?.baseline?.frames ?? null,
      method: model?.baseline?.method ?? null,
      baselines: shown,
    });
  });

  router.get(`${base}/:site/:device`, async (req, res) => {
    const ref = deviceParams(req);
    const rows = await store.list({ kind, deviceId: `${ref.site}/${ref.device}` });
    if (rows.length === 0) throw new HttpError(404, 'not_found', `${ref.site}/${ref.device} has no ${kind} baseline or enrollment yet (a device starts enrolling with its first healthy frame)`);
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
    if (!baselines.enabled) throw new HttpError(409, 'baselines_disabled', `per-device baselines are switched off for ${kind} (BASELINES_ENABLED=false)`);
    const acceptAll = validateInput(enrollBody, req.body ?? {}).acceptFleetAnomalous;
    const lease = slot.lease();
    if (!lease) throw new HttpError(503, 'no_model', `no ${kind} model is in service yet`);
    try {
      if (!lease.model.baseline) throw new HttpError(409, 'no_baselines', `the ${kind} model in service (${lease.model.version}) scores against the fleet only`);
      await baselines.restart(ref, lease.model, acceptAll);
    } finally {
      lease.release();
    }
    const [row] = await store.list({ kind, deviceId: `${ref.site}/${ref.device}`, modelVersion: slot.current?.version ?? '' });
    res.status(202).json(row ? view(row) : { site: ref.site, device: ref.device, kind, status: 'enrolling' });
  });
  return router;
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
