#!/usr/bin/env node
// The retraining service from a terminal: an HTTP client of its API (RETRAINING_URL, default
// the embedded platform's http://127.0.0.1:8787) and of the registry's (MODELS_URL: model-sync's
// routes; default RETRAINING_URL, right for the embedded platform and the Ingress).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { collectSamples, uploadCollection } from './folder-import.js';

const USAGE = `usage: retraining <command> [options]   (RETRAINING_URL, default http://127.0.0.1:8787;
                                           MODELS_URL for models/promote/rollback/archive/backups (model-sync), default RETRAINING_URL;
                                           PREMONITOR_TOKEN: an API token, sent as a bearer credential)

  import <folder> --kind K [--label normal|anomalous] [--fault-class C] [--site S --device D] [--channel N] [--batch 32]
        uploads a collection: the files in <folder> with --label, or normal/… and anomalous/[class/]…
  run <kind> --reason TEXT [--epochs N]     starts a retraining run (409 names a running one)
  status <run-id>                           a run's progress and result
  cancel <run-id>                           cancels a running run
  history [--kind K]                        every run: reason, samples, gate decision, duration
  models [--kind K]                         registered models: version, stage, metrics, lineage
  promote <kind> <version> [--force]        makes a version production (admin)
  rollback <kind> [--reason TEXT]           returns to the previous production model (admin)
  archive <kind> <version> [--reason TEXT]  retires a version that is not production (admin)
  model-history [--kind K]                  production changes: promote, rollback, archive, restore
  backups [--kind K]                        registry backups, newest first
  backup --reason TEXT [--kind K]           backs up the registry (or one kind) as one file (admin)
  restore <backup-name> [--reason TEXT]     restores a backup; recorded like a promotion (admin)
  triage-train <records.json>               trains the triage model on the records in the file (≤ 1,000)
  triage-status                             is a triage training running, sessions, last training, backups
  triage-predict <reports.json>             scores one report or many
  triage-restore <backup-name>              restores the triage models and records of a triage backup (admin)
  --help                                    this text`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      kind: { type: 'string' }, label: { type: 'string' }, 'fault-class': { type: 'string' }, site: { type: 'string' }, device: { type: 'string' },
      channel: { type: 'string' }, batch: { type: 'string', default: '32' }, reason: { type: 'string' }, epochs: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  const base = (process.env.RETRAINING_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
  // model-sync serves the registry's routes; separate only when the services are reached directly (compose ports).
  const modelsBase = (process.env.MODELS_URL ?? base).replace(/\/$/, '');
  const auth: Record<string, string> = process.env.PREMONITOR_TOKEN ? { authorization: `Bearer ${process.env.PREMONITOR_TOKEN}` } : {};
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    // A file's bytes go as they are (the triage API refuses non-UTF-8 itself); anything else as JSON.
    const payload = body instanceof Uint8Array ? body : body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${path.startsWith('/models') ? modelsBase : base}/api/v1${path}`, { method, headers: payload === undefined ? auth : { ...auth, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { body: payload }) });
    console.log(JSON.stringify(await res.json(), null, 2));
    return res.ok ? 0 : 1;
  };
  const kindQuery = values.kind ? `?kind=${encodeURIComponent(values.kind)}` : '';
  switch (command) {
    case 'import': {
      const [folder] = args;
      if (!folder || !values.kind) return usage('import needs a folder and --kind');
      if (values.label !== undefined && values.label !== 'normal' && values.label !== 'anomalous') return usage(`--label must be normal or anomalous, not '${values.label}'`);
      const files = await collectSamples(folder, values.label as 'normal' | 'anomalous' | undefined, values['fault-class']);
      if (files.length === 0) return usage(`no sample files in ${folder} (with --label: files in it; without: normal/ and anomalous/ subfolders)`);
      const extra = Object.fromEntries(Object.entries({ site: values.site, device: values.device, channel: values.channel }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      const totals = await uploadCollection(base, values.kind, files, extra, Math.max(1, Number(values.batch)), (line) => console.error(line), auth);
      console.log(JSON.stringify({ files: files.length, ...totals }));
      return totals.refused > 0 ? 1 : 0;
    }
    case 'run':
      if (!args[0] || !values.reason) return usage('run needs a kind and --reason');
      return call('POST', '/retraining/runs', { kind: args[0], reason: values.reason, ...(values.epochs ? { epochs: Number(values.epochs) } : {}) });
    case 'status':
      return args[0] ? call('GET', `/retraining/runs/${encodeURIComponent(args[0])}`) : usage('status needs a run id');
    case 'cancel':
      return args[0] ? call('POST', `/retraining/runs/${encodeURIComponent(args[0])}/cancel`) : usage('cancel needs a run id');
    case 'history':
      return call('GET', `/retraining/history${kindQuery}`);
    case 'models':
      return call('GET', `/models${kindQuery}`);
    case 'promote':
      return args[0] && args[1] ? call('POST', `/models/${encodeURIComponent(args[0])}/${encodeURIComponent(args[1])}/promote`, { force: values.force }) : usage('promote needs a kind and a version');
    case 'rollback':
      return args[0] ? call('POST', `/models/${encodeURIComponent(args[0])}/rollback`, reasonOf(values.reason)) : usage('rollback needs a kind');
    case 'archive':
      return args[0] && args[1] ? call('POST', `/models/${encodeURIComponent(args[0])}/${encodeURIComponent(args[1])}/archive`, reasonOf(values.reason)) : usage('archive needs a kind and a version');
    case 'model-history':
      return call('GET', `/models/history${kindQuery}`);
    case 'backups':
      return call('GET', `/models/backups${kindQuery}`);
    case 'backup':
      return values.reason ? call('POST', '/models/backups', { reason: values.reason, ...(values.kind ? { kinds: [values.kind] } : {}) }) : usage('backup needs --reason');
    case 'restore':
      return args[0] ? call('POST', `/models/backups/${encodeURIComponent(args[0])}/restore`, reasonOf(values.reason)) : usage('restore needs a backup name (see: retraining backups)');
    case 'triage-train':
      return args[0] ? call('POST', '/triage/train', new Uint8Array(await readFile(args[0]))) : usage('triage-train needs a JSON file of records');
    case 'triage-status':
      return call('GET', '/triage/train/status');
    case 'triage-predict':
      return args[0] ? call('POST', '/triage/predict', new Uint8Array(await readFile(args[0]))) : usage('triage-predict needs a JSON file of reports');
    case 'triage-restore':
      return args[0] ? call('POST', `/triage/train/restore/${encodeURIComponent(args[0])}`, reasonOf(values.reason)) : usage('triage-restore needs a backup name (see: retraining backups --kind triage)');
    default:
      return usage(`unknown command '${command}'`);
  }
}

function reasonOf(reason: string | undefined): { reason?: string } {
  return reason ? { reason } : {};
}

function usage(problem: string): number {
  console.error(`${problem}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
