import express, { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ID_PATTERN, safeText } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import type { ArtifactStore } from '@premonitor/registry';
import { validateInput } from '@premonitor/http';
import { TRAINABLE_KINDS, type RetrainingRunner, type RunEvent } from './retraining-runner.js';
import { runRepository, type RunRecord } from './run-repository.js';

const runBody = z.strictObject({
  kind: z.enum(TRAINABLE_KINDS),
  reason: safeText(500, 1),
  epochs: z.number().int().min(1).max(200).optional(),
  /** The trainer's quick plan (tests, smoke runs). */
  quick: z.boolean().optional(),
  /** Trains on shuffled labels: a deliberately worse candidate that the gate must refuse. */
  shuffleLabels: z.boolean().optional(),
  /** Trains on inverted labels (normal ↔ anomalous): a deliberately bad candidate that flags healthy machines (for the rollout watch, once forced in). */
  invertLabels: z.boolean().optional(),
  /** Trains on these devices' samples only (`site/device`): a model for one machine group; the held-out set and the gate see every device's share. */
  trainDevices: z.array(z.string().refine((id) => id.split('/').length === 2 && id.split('/').every((part) => ID_PATTERN.test(part)), 'must be site/device, each [a-z0-9-]{1,64}')).min(1).max(1_000).optional(),
});
const idParam = z.strictObject({ id: z.coerce.number().int().min(1) });
const historyQuery = z.strictObject({ kind: z.string().regex(/^[a-z-]{1,32}$/).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

/** The content address of a finished run's evaluation chart, when it has one. */
function reportChartOf(run: RunRecord | undefined): string | undefined {
  const result = run?.result;
  const sha256 = result !== null && typeof result === 'object' && !Array.isArray(result) ? result['report_chart'] : undefined;
  return typeof sha256 === 'string' ? sha256 : undefined;
}

/** A run as the API shows it, with its duration and the link to its chart. */
function view(run: RunRecord): Record<string, unknown> {
  const end = run.finishedAt ?? null;
  return { ...run, durationS: end ? (end.getTime() - run.startedAt.getTime()) / 1000 : null, reportChart: reportChartOf(run) ? `/api/v1/retraining/runs/${run.id}/report.png` : null };
}

/** The registry state of the runs' candidates, by `kind/version`. */
async function candidateStates(db: Kysely<Database>, runs: readonly RunRecord[]): Promise<Map<string, Record<string, unknown>>> {
  const versions = [...new Set(runs.flatMap((r) => (r.candidateVersion ? [r.candidateVersion] : [])))];
  if (versions.length === 0) return new Map();
  const rows = await db.selectFrom('models').select(['kind', 'version', 'stage', 'promoted_at', 'promotion_forced']).where('version', 'in', versions).execute();
  return new Map(rows.map((m) => [`${m.kind}/${m.version}`, { version: m.version, stage: m.stage, promotedAt: m.promoted_at, promotionForced: m.promotion_forced }]));
}

/**
 * `POST /retraining/runs` (202; 409 naming the running run; 400 unknown `trainDevices`; 422 too few
 * samples, or a training set without the data the kind needs),
 * `GET /retraining/runs/{id}`, `GET /retraining/runs/{id}/report.png` (the evaluation chart),
 * `GET /retraining/runs/{id}/events` (server-sent events: log,
 * progress, end), `POST /retraining/runs/{id}/cancel`, `GET /retraining/history`.
 */
export function createRunRouter(runner: RetrainingRunner, db: Kysely<Database>, store: ArtifactStore): Router {
  const router = Router();
  router.post('/retraining/runs', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const body = validateInput(runBody, req.body);
    const started = await runner.run(body);
    if ('run' in started) {
      res.status(202).json(view(started.run));
    } else if (started.refused === 'running') {
      res.status(409).json({ error: 'run_in_progress', message: `a ${body.kind} run is already running (run ${started.running.id}); cancel it or wait`, runningRunId: started.running.id });
    } else if (started.refused === 'unknown-devices') {
      res.status(400).json({ error: 'invalid_request', field: 'trainDevices', message: started.message, devices: started.devices });
    } else {
      res.status(422).json({ error: started.refused === 'samples' ? 'not_enough_samples' : 'no_training_data', message: started.message });
    }
  });

  router.get('/retraining/runs/:id', async (req: Request, res: Response) => {
    const { id } = validateInput(idParam, req.params);
    const run = await runRepository.get(db, id);
    if (!run) res.status(404).json({ error: 'not_found', message: `no retraining run ${id}` });
    else res.json(view(run));
  });

  router.get('/retraining/runs/:id/report.png', async (req: Request, res: Response) => {
    const { id } = validateInput(idParam, req.params);
    const run = await runRepository.get(db, id);
    const sha256 = reportChartOf(run);
    if (!run) res.status(404).json({ error: 'not_found', message: `no retraining run ${id}` });
    else if (!sha256) res.status(404).json({ error: 'no_report', message: `run ${id} is ${run.status} and has no evaluation chart${run.status === 'running' ? ' yet' : ''}` });
    else res.status(200).type('image/png').set('cache-control', 'private, max-age=86400').send(Buffer.from(await store.get(sha256)));
  });

  router.get('/retraining/runs/:id/events', async (req: Request, res: Response) => {
    const { id } = validateInput(idParam, req.params);
    const run = await runRepository.get(db, id);
    if (!run) {
      res.status(404).json({ error: 'not_found', message: `no retraining run ${id}` });
      return;
    }
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const send = (e: RunEvent | { type: 'state'; run: RunRecord }) => res.write(`event: ${e.type}\ndata: ${JSON.stringify('run' in e ? view(e.run) : e)}\n\n`);
    send({ type: 'state', run });
    const unsubscribe = run.status === 'running' ? runner.subscribe(id, (e) => (send(e), e.type === 'end' && res.end())) : undefined;
    // Ended already, or trained by another replica (poll its row there).
    if (!unsubscribe) res.end();
    else req.on('close', unsubscribe);
  });

  router.post('/retraining/runs/:id/cancel', async (req: Request, res: Response) => {
    const { id } = validateInput(idParam, req.params);
    const run = await runRepository.get(db, id);
    if (!run) res.status(404).json({ error: 'not_found', message: `no retraining run ${id}` });
    else if (run.status !== 'running') res.status(409).json({ error: 'not_running', message: `run ${id} is ${run.status}` });
    else res.json(view((await runner.cancel(id))!));
  });

  router.get('/retraining/history', async (req: Request, res: Response) => {
    const q = validateInput(historyQuery, req.query);
    const runs = await runRepository.list(db, q);
    const candidates = await candidateStates(db, runs);
    // Each run with where its candidate stands now: promoted (by the gate or forced by an admin), still a candidate, archived.
    res.json({ items: runs.map((run) => ({ ...view(run), candidate: (run.candidateVersion && candidates.get(`${run.kind}/${run.candidateVersion}`)) ?? null })) });
  });
  return router;
}
