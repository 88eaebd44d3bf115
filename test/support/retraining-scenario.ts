// The retraining acceptance scenario against a running embedded platform (test/retraining-e2e):
// labelled clips of one machine go in through the upload API, the count trigger starts an
// acoustic run, the gate promotes, inference and an edge agent swap to the new model, and a
// candidate trained on shuffled labels is refused. The clips come from a `ClipSource` (real
// MIMII recordings, or generated ones that always exist).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parsePublicKeys } from '@premonitor/contracts/signing';
import { EdgeAgent } from '@premonitor/edge-agent';
import { createLogger } from '@premonitor/log';
import { writeWav } from '@premonitor/ml/data';
import { systemClock } from '@premonitor/time';
import { auc } from '@premonitor/training';
import { TEST_ADMIN_TOKEN, authEnv, bearer } from './auth.js';
import { STARTED, addDevice, startPlatform } from './embedded-platform-process.js';
import type { NodeProcess } from './node-process.js';
import { waitFor } from './wait.js';

const MODELS = new URL('../../../models/', import.meta.url).pathname;
const SITE = 'mimii';

/** One machine heard by `microphones` microphones: 1-s mono clips per microphone, normal and abnormal. */
export interface ClipSource {
  readonly name: string;
  readonly sampleRate: number;
  /** normal[mic][clip], abnormal[mic][clip]. */
  readonly normal: readonly (readonly Float32Array[])[];
  readonly abnormal: readonly (readonly Float32Array[])[];
}

/** What the scenario measured, for the test's assertions and its log. */
export interface ScenarioOutcome {
  readonly heldOutDevices: readonly string[];
  readonly aucBefore: number;
  readonly aucAfter: number;
  readonly candidate: string;
  readonly shuffledGate: { readonly promote: boolean; readonly reasons: readonly string[] };
}

interface RunView {
  id: number;
  status: string;
  trigger: string;
  candidateVersion: string | null;
  reportChart: string | null;
  error: string | null;
  result: { promoted: boolean; gate: { promote: boolean; reasons: string[] }; evaluation: { report: { candidate: { per_device: Record<string, unknown> } } } } | null;
}

/** Microphone `m` uploads as device `sim-00{m+1}` of site `mimii`: the platform's simulated devices make them known. */
const deviceOf = (mic: number) => `sim-${String(mic + 1).padStart(3, '0')}`;

export async function runRetrainingScenario(source: ClipSource): Promise<ScenarioOutcome> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pm-retrain-e2e-'));
  const microphones = source.normal.length;
  const total = microphones * (source.normal[0]!.length + source.abnormal[0]!.length);
  const edgeRef = { site: SITE, device: 'edge-1' };
  const edgePassword = randomBytes(12).toString('hex');
  await addDevice(dataDir, edgeRef, edgePassword);
  let platform: NodeProcess | undefined;
  let agent: EdgeAgent | undefined;
  try {
    platform = startPlatform(dataDir, {
      ...authEnv(),
      SIM_SITE: SITE,
      SIM_DEVICES: String(microphones),
      SIM_TELEMETRY_INTERVAL_MS: '1000',
      SUMMARY_INTERVAL_MS: '0',
      // The count trigger fires on the last upload; quick plan keeps the run short.
      RETRAINING_THRESHOLD: String(total),
      RETRAINING_CHECK_MS: '500',
      RETRAINING_QUICK: 'true',
      RETRAINING_MIN_SAMPLES: '20',
      RETRAINING_HELD_OUT_PERCENT: '30',
      LOG_LEVEL: process.env.RETRAIN_E2E_LOG_LEVEL ?? 'warn',
    });
    const url = (await platform.waitFor(STARTED, 120_000))[1]!;
    const mqttUrl = (await platform.waitFor(/MQTT\s+(mqtt:\/\/\S+)/))[1]!;
    const publicKey = (await platform.waitFor(/EDGE_MODEL_PUBLIC_KEY=(\S+)/))[1]!;
    const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${url}${path}`, { ...init, headers: { ...bearer(TEST_ADMIN_TOKEN), ...(init.headers ?? {}) } });
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, body: (type.includes('json') ? await res.json() : new Uint8Array(await res.arrayBuffer())) as T };
    };

    // An edge agent of the plant, running the shipped model until model-sync hands it another.
    agent = new EdgeAgent({
      ref: edgeRef,
      mqttUrl,
      username: `${edgeRef.site}/${edgeRef.device}`,
      password: edgePassword,
      dataDir: join(dataDir, 'edge'),
      sources: [],
      queue: { maxBytes: 16 * 1024 * 1024, maxAgeMs: 0, fsync: 'interval', replayPerSecond: 1_000 },
      frames: { mode: 'all', sampleEvery: 1, context: 0 },
      seedModels: { acoustic: join(MODELS, 'acoustic.onnx'), thermal: join(MODELS, 'thermal.onnx') },
      modelPublicKeys: parsePublicKeys(publicKey),
      heartbeatTimeoutMs: 0,
      statusIntervalMs: 1_000,
      clock: systemClock,
      logger: createLogger({ service: 'retrain-e2e-agent', level: 'silent' }),
    });
    await agent.start();
    const shipped = await waitFor('the agent runs a model', () => agent!.status().models?.['acoustic'], 30_000);

    // Uploads need known devices: the simulated ones become known with their first telemetry.
    await waitFor('simulated devices known', async () => ((await api<{ items: unknown[] }>(`/api/v1/devices?site=${SITE}`)).body.items?.length ?? 0) >= microphones, 60_000, 200);

    // Every clip scored through inference's upload API before the run (the shipped model, against the fleet).
    const scoreAll = async () => {
      const out: { device: string; anomalous: boolean; score: number; version: string }[] = [];
      for (let mic = 0; mic < microphones; mic++) {
        for (const [anomalous, clips] of [[false, source.normal[mic]!], [true, source.abnormal[mic]!]] as const) {
          for (const clip of clips) {
            const res = await api<{ score: number; modelVersion: string }>('/api/v1/inference/acoustic/score', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: writeWav(clip, source.sampleRate) });
            assert.equal(res.status, 200, JSON.stringify(res.body));
            out.push({ device: `${SITE}/${deviceOf(mic)}`, anomalous, score: res.body.score, version: res.body.modelVersion });
          }
        }
      }
      return out;
    };
    const before = await scoreAll();

    // Labelled uploads, a few dozen files per request; the last one crosses the count threshold.
    const files = Array.from({ length: microphones }, (_, mic) => [
      ...source.normal[mic]!.map((clip, i) => ({ mic, label: 'normal', clip, name: `${source.name}-mic${mic}-normal-${i}.wav` })),
      ...source.abnormal[mic]!.map((clip, i) => ({ mic, label: 'anomalous', clip, name: `${source.name}-mic${mic}-abnormal-${i}.wav` })),
    ]).flat();
    // Fields apply to the files after them: one label (and fault class) per request, the device per file.
    for (const label of ['normal', 'anomalous']) {
      const mine = files.filter((f) => f.label === label);
      for (let i = 0; i < mine.length; i += 40) {
        const form = new FormData();
        form.append('kind', 'acoustic');
        form.append('label', label);
        if (label === 'anomalous') form.append('faultClass', `${source.name}-fault`);
        form.append('site', SITE);
        for (const f of mine.slice(i, i + 40)) {
          form.append('device', deviceOf(f.mic));
          form.append('file', new Blob([writeWav(f.clip, source.sampleRate)], { type: 'audio/wav' }), f.name);
        }
        const res = await api<unknown>('/api/v1/samples', { method: 'POST', body: form });
        assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
      }
    }

    // The count trigger starts a run; it trains, the gate promotes.
    const history = async () => (await api<{ items: RunView[] }>('/api/v1/retraining/history?kind=acoustic')).body.items;
    const triggered = await waitFor('a triggered acoustic run ends', async () => (await history()).find((r) => r.trigger === 'threshold' && r.status !== 'running'), 240_000, 500);
    assert.equal(triggered.status, 'succeeded', triggered.error ?? '');
    assert.equal(triggered.result?.promoted, true, `the gate refused the candidate: ${triggered.result?.gate.reasons.join('; ')}`);
    const candidate = triggered.candidateVersion!;
    const heldOutDevices = Object.keys(triggered.result!.evaluation.report.candidate.per_device);
    assert.ok(heldOutDevices.length > 0, 'the run held devices out');

    // The evaluation chart is served as a PNG.
    assert.equal(triggered.reportChart, `/api/v1/retraining/runs/${triggered.id}/report.png`);
    const chart = await api<Uint8Array>(triggered.reportChart!);
    assert.equal(chart.status, 200);
    assert.deepEqual([...chart.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    // Inference hot-swaps; the held-out microphones' clips score better (AUC, fleet reference).
    const scoreOne = async () => (await api<{ modelVersion: string }>('/api/v1/inference/acoustic/score', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: writeWav(source.normal[0]![0]!, source.sampleRate) })).body.modelVersion;
    await waitFor('inference serves the candidate', async () => (await scoreOne()) === candidate, 60_000, 500);
    const after = await scoreAll();
    assert.ok(after.every((s) => s.version === candidate));
    const heldOutAuc = (scores: typeof before) => auc(scores.filter((s) => heldOutDevices.includes(s.device)));
    const aucBefore = heldOutAuc(before);
    const aucAfter = heldOutAuc(after);

    // The edge agent receives the promoted model through model-sync.
    await waitFor('the edge agent runs the candidate', () => agent!.status().models?.['acoustic'] === candidate, 60_000, 200);
    assert.notEqual(shipped, candidate);

    // A candidate trained on shuffled labels is refused: production stays.
    const started = await api<RunView>('/api/v1/retraining/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'acoustic', reason: 'shuffled labels: the gate must refuse', quick: true, shuffleLabels: true }) });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const shuffled = await waitFor('the shuffled run ends', async () => {
      const run = (await api<RunView>(`/api/v1/retraining/runs/${started.body.id}`)).body;
      return run.status === 'running' ? undefined : run;
    }, 240_000, 500);
    assert.equal(shuffled.status, 'succeeded', shuffled.error ?? '');
    assert.equal(shuffled.result?.promoted, false);
    assert.equal(await scoreOne(), candidate, 'production stays the earlier candidate');
    return { heldOutDevices, aucBefore, aucAfter, candidate, shuffledGate: shuffled.result!.gate };
  } catch (err) {
    // What the platform said about the samples and the runs, to see why.
    const said = (platform?.output ?? '').split('\n').filter((l) => /retrain|sample|run|trigger|error/i.test(l)).slice(-40).join('\n');
    throw new Error(`${(err as Error).message}\n--- platform output (retraining) ---\n${said}`, { cause: err });
  } finally {
    await agent?.stop();
    if (platform) await platform.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}
