// Stopping embedded mode (what Ctrl-C does) with simulated devices: they go offline with the
// platform, which is recorded, but it is not a fault — no device-offline alert per device.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { openDatabase } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { pgliteTemplate, pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'platform-shutdown-alerts-test', level: 'silent' });

describe('stopping embedded mode with simulated devices', { timeout: 300_000 }, () => {
  let dataDir = '';
  let platform: EmbeddedPlatform | undefined;

  after(async () => {
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('records the devices offline and opens no device-offline alert for them', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-platform-stop-'));
    const config = loadConfig(platformConfigShape, {
      ...pgliteTemplateEnv(),
      PM_DATA_DIR: dataDir,
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      SIM_DEVICES: '2',
      SIM_ACOUSTIC_INTERVAL_MS: '0',
      SIM_THERMAL_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
    });
    platform = new EmbeddedPlatform(config, logger);
    await platform.start();
    for (let i = 0; i < 600; i++) {
      const s = await platform.summary();
      if (s.devicesOnline === 2 && s.readingsStored > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await platform.summary()).devicesOnline, 2, 'both simulated devices came online');
    await platform.stop();
    platform = undefined;

    const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
    try {
      const devices = await db.db.selectFrom('devices').select(['id', 'online']).orderBy('id').execute();
      assert.deepEqual(devices, [{ id: 'demo/sim-001', online: false }, { id: 'demo/sim-002', online: false }], 'their offline statuses were stored');
      const alerts = await db.db.selectFrom('alerts').select(['device_id', 'rule', 'status']).execute();
      assert.deepEqual(alerts, []);
    } finally {
      await db.close();
    }
  });
});
