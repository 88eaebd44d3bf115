// The acoustic case of `npm run bench -- retrain`: real MIMII clips (../shared/data/acoustic-mimii)
// uploaded as labelled samples, one device per machine and microphone, an acoustic run (the
// quick generated corpus plus the healthy clips) judged against the shipped acoustic.onnx, then
// a run on shuffled labels (the caller's scoring probe runs during both), then a quick run
// that makes the rollout case's bad candidate (`--bad-candidate`).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import { readWav, writeWav } from '@premonitor/ml/data';
import type { ModelRegistry } from '@premonitor/registry';
import type { RunRecord } from '@premonitor/retraining';
import { percentile, round } from '@premonitor/testkit';
import type { LiveClip } from './retrain-rollout.js';

interface AcousticCaseContext {
  readonly db: Kysely<Database>;
  readonly registry: ModelRegistry;
  readonly url: string;
  readonly root: string;
  readonly sharedData: string;
  readonly clips: number;
  /** Train on the full generated corpus instead of the quick one (`--full-corpus`). */
  readonly fullCorpus: boolean;
  /** The rollout case's bad candidate: `inverted` labels, or a machine whose healthy clips alone it learns. */
  readonly badCandidate: string;
  readonly runOnce: (body: Record<string, unknown>) => Promise<{ run: RunRecord; busy: number[]; rss: number }>;
  readonly idle: readonly number[];
}

interface AcousticResult {
  train_s: number;
  promoted: boolean;
  gate: { reasons: string[] };
  evaluation: { heldOut: { samples: number; devices: number }; candidate: { auc: number; recall_at_fpr5: number }; champion?: { auc: number }; report: { candidate: { per_device: Record<string, { auc: number | null; samples: number }> } } };
}

export async function acousticCase(c: AcousticCaseContext) {
  const folder = join(c.sharedData, 'acoustic-mimii');
  const machines = (await readdir(folder)).filter((f) => f.endsWith('_normal.wav')).map((f) => f.slice(0, -'_normal.wav'.length)).sort();
  // Channel recordings of 10 s: enough 1-s clips from each (evenly spaced, overlapping when needed) for --clips in all.
  const recordings: { machine: string; label: 'normal' | 'anomalous'; channel: number; samples: Float32Array; rate: number }[] = [];
  for (const machine of machines) {
    for (const [label, file] of [['normal', `${machine}_normal.wav`], ['anomalous', `${machine}_abnormal.wav`]] as const) {
      const bytes = new Uint8Array(await readFile(join(folder, file)));
      for (let channel = 0; channel < readWav(bytes).channels; channel++) {
        const wav = readWav(bytes, { channel });
        recordings.push({ machine, label, channel, samples: wav.samples, rate: wav.sampleRate });
      }
    }
  }
  const perRecording = Math.ceil(c.clips / recordings.length);
  const items: { machine: string; label: string; device: string; wav: Uint8Array; pcm: LiveClip }[] = [];
  for (let k = 0; k < perRecording; k++) {
    for (const r of recordings) {
      const hop = perRecording > 1 ? (r.samples.length - r.rate) / (perRecording - 1) : 0;
      const start = Math.round(k * hop);
      const clip = r.samples.subarray(start, start + r.rate);
      const device = `${r.machine}-mic${r.channel}`;
      const pcm = { device, sampleRate: r.rate, samples: Int16Array.from(clip, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767)))) };
      items.push({ machine: r.machine, label: r.label, device, wav: writeWav(clip, r.rate), pcm });
    }
  }
  const clips = items.slice(0, c.clips);
  const now = new Date();
  const devices = [...new Set(clips.map((i) => i.device))];
  await c.db.insertInto('devices').values(devices.map((d) => ({ id: `mimii/${d}`, site: 'mimii', device: d, first_seen: now, last_seen: now, status_changed_at: now, online: true }))).execute();
  await c.registry.register({ kind: 'acoustic', bytes: new Uint8Array(await readFile(join(c.root, 'models', 'acoustic.onnx'))) });

  const latencies: number[] = [];
  const uploadStart = performance.now();
  for (let i = 0; i < clips.length; i += 50) {
    const form = new FormData();
    form.append('kind', 'acoustic');
    form.append('site', 'mimii');
    for (const item of clips.slice(i, i + 50)) {
      form.append('label', item.label);
      form.append('faultClass', item.label === 'normal' ? '' : `${item.machine}-fault`);
      form.append('device', item.device);
      form.append('file', new Blob([item.wav]), `${item.device}-${i}.wav`);
    }
    const t = performance.now();
    const res = await fetch(`${c.url}/api/v1/samples`, { method: 'POST', body: form });
    latencies.push(performance.now() - t);
    if (res.status >= 300) throw new Error(`acoustic upload answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
  const uploadS = (performance.now() - uploadStart) / 1000;
  const lastUploadAt = performance.now();
  console.log(`acoustic uploads: ${clips.length} MIMII clips (${machines.length} machines × ${recordings.length / machines.length / 2} microphones, ${devices.length} devices) in ${round(uploadS, 1)} s = ${round(clips.length / uploadS, 1)} samples/s; 50-file request p99 ${round(percentile(latencies, 99), 1)} ms`);

  const first = await c.runOnce({ kind: 'acoustic', reason: 'bench: labelled real MIMII clips', quick: !c.fullCorpus });
  if (first.run.status !== 'succeeded') throw new Error(`acoustic run failed: ${first.run.error}`);
  const e2eS = (performance.now() - lastUploadAt) / 1000;
  const r1 = first.run.result as unknown as AcousticResult;
  console.log(`acoustic run 1: ${r1.train_s} s in its worker, ${round(e2eS, 1)} s from the last upload to the decision; held-out ${r1.evaluation.heldOut.samples} clips of ${r1.evaluation.heldOut.devices} devices; AUC champion (shipped acoustic.onnx) ${r1.evaluation.champion?.auc ?? 'n/a'} → candidate ${r1.evaluation.candidate.auc}; promoted ${r1.promoted}`);
  for (const [device, m] of Object.entries(r1.evaluation.report.candidate.per_device)) console.log(`  ${device}: candidate AUC ${m.auc} (${m.samples} clips)`);
  console.log(`  gate: ${r1.gate.reasons.join('; ')}`);
  await new Promise((r) => setTimeout(r, 1_100));
  const second = await c.runOnce({ kind: 'acoustic', reason: 'bench: shuffled labels', quick: !c.fullCorpus, shuffleLabels: true });
  const r2 = second.run.result as unknown as AcousticResult;
  console.log(`acoustic run 2 (shuffled labels): candidate AUC ${r2.evaluation.candidate.auc}; promoted ${r2.promoted}; ${r2.gate.reasons.join('; ')}`);
  // The rollout case's bad candidate, always on the quick corpus (the case is about the watch):
  // `inverted` learns the faulty clips as healthy; a machine name learns that machine's healthy
  // clips only, so the other machines' healthy sound is unfamiliar to it.
  await new Promise((r) => setTimeout(r, 1_100));
  const trainDevices = devices.filter((d) => d.startsWith(`${c.badCandidate}-mic`)).map((d) => `mimii/${d}`);
  const bad = c.badCandidate === 'inverted' ? { invertLabels: true } : { trainDevices };
  if (c.badCandidate !== 'inverted' && trainDevices.length === 0) throw new Error(`--bad-candidate ${c.badCandidate}: no such machine (${machines.join(', ')}, or inverted)`);
  const third = await c.runOnce({ kind: 'acoustic', reason: `bench: a bad candidate for the rollout case (${c.badCandidate})`, quick: true, ...bad });
  if (third.run.status !== 'succeeded') throw new Error(`acoustic run 3 (${c.badCandidate}) failed: ${third.run.error}`);
  const r3 = third.run.result as unknown as AcousticResult & { candidate: string };
  console.log(`acoustic run 3 (bad candidate: ${c.badCandidate === 'inverted' ? 'inverted labels' : `${c.badCandidate}'s healthy clips only`}, quick corpus): ${r3.train_s} s; candidate ${r3.candidate} AUC ${r3.evaluation.candidate.auc}; promoted ${r3.promoted}; ${r3.gate.reasons.join('; ')}`);
  const p99Idle = percentile([...c.idle], 99);
  const p99Busy = percentile([...first.busy, ...second.busy], 99);
  console.log(`scoring probe during the acoustic runs: idle p99 ${round(p99Idle, 2)} ms, busy p99 ${round(p99Busy, 2)} ms (${first.busy.length + second.busy.length})`);
  // The healthy clips, as live frames for the rollout case.
  const liveClips = clips.filter((i) => i.label === 'normal').map((i) => i.pcm);
  return { clips: clips.length, liveClips, badVersion: r3.candidate, badPromoted: r3.promoted, e2eS, r1, r2, uploadPerS: round(clips.length / uploadS, 1), uploadP99: round(percentile(latencies, 99), 1), ratio: round(p99Busy / p99Idle, 2), rss: round(Math.max(first.rss, second.rss) / 2 ** 20) };
}
