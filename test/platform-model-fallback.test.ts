// Embedded mode with a production model that cannot serve: the platform still starts, scores
// with the shipped model, and says which model serves instead of production and why.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { InProcessBus } from '@premonitor/bus';
import { openDatabase } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { readModelMetadata } from '@premonitor/ml';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import type { ModelStatus } from '@premonitor/inference';
import { thermalModelWithWrongOutput } from './support/broken-models.js';
import { authEnv, bearer } from './support/auth.js';
import { pgliteTemplate, pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'platform-fallback-test', level: 'silent' });
const MODELS = new URL('../../models/', import.meta.url).pathname;

describe('embedded platform with a broken production model', () => {
  let dataDir = '';
  let platform: EmbeddedPlatform | undefined;

  after(async () => {
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts, serves the shipped thermal model instead, and reports the fallback', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-platform-fallback-'));
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', LOG_LEVEL: 'silent', ...authEnv() });
    platform = new EmbeddedPlatform(config, logger);
    await platform.start();
    await platform.stop();
    platform = undefined;

    // Between two starts, a broken model is forced into production in the platform's own registry.
    const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
    const bus = new InProcessBus();
    await bus.start();
    const registry = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(join(dataDir, 'models')), logger });
    await registry.register({ kind: 'thermal', bytes: thermalModelWithWrongOutput('thermal-broken') });
    await registry.promote('thermal', 'thermal-broken', '', { force: true });
    await bus.stop();
    await db.close();

    platform = new EmbeddedPlatform(config, logger);
    const { httpUrl } = await platform.start();
    const shipped = readModelMetadata(new Uint8Array(await readFile(join(MODELS, 'thermal.onnx')))).version;
    const status = (await (await fetch(`${httpUrl}/api/v1/inference/thermal/model`, { headers: bearer() })).json()) as ModelStatus;
    assert.deepEqual([status.serving?.version, status.production?.version, status.fallback], [shipped, 'thermal-broken', true]);
    assert.match(status.reason ?? '', /output 'score' is missing/);
    const frame = Array.from({ length: 24 }, () => Array.from({ length: 32 }, () => 25));
    const scored = await fetch(`${httpUrl}/api/v1/inference/thermal/score`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify(frame) });
    assert.equal(scored.status, 200, await scored.clone().text());
    assert.equal(((await scored.json()) as { modelVersion: string }).modelVersion, shipped);
  });
});
