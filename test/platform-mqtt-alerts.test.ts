// Embedded mode end to end: a device raises an edge alert over MQTT, fusion opens it, and the
// device's alert state appears retained on its own alert topic on the platform's broker — and
// nowhere a neighbour can read it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync, type MqttClient } from 'mqtt';
import { loadConfig } from '@premonitor/config';
import { deviceAlertState, mqttTopic, type DeviceRef } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { addDevice, tempDataFolder } from './support/embedded-platform-process.js';
import { waitFor } from './support/wait.js';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'platform-mqtt-alerts-test', level: 'silent' });
const PUMP: DeviceRef = { site: 'plant-1', device: 'pump-1' };
const NEIGHBOUR: DeviceRef = { site: 'plant-1', device: 'pump-2' };
const PASSWORD = 'device-password-for-tests';

describe('embedded mode publishes alert state on MQTT', { timeout: 300_000 }, () => {
  let platform: EmbeddedPlatform | undefined;
  const clients: MqttClient[] = [];

  after(async () => {
    for (const c of clients) await c.endAsync().catch(() => undefined);
    await platform?.stop();
  });

  it("an edge alert shows up retained on the device's alert topic, unreadable by its neighbour", async (t) => {
    const dataDir = await tempDataFolder(t);
    for (const ref of [PUMP, NEIGHBOUR]) await addDevice(dataDir, ref, PASSWORD);
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', LOG_LEVEL: 'silent' });
    platform = new EmbeddedPlatform(config, logger);
    const { mqttUrl } = await platform.start();
    const connect = async (ref: DeviceRef) => {
      const client = await connectAsync(mqttUrl, { username: `${ref.site}/${ref.device}`, password: PASSWORD, clientId: `${ref.site}/${ref.device}`, reconnectPeriod: 0, protocolVersion: 4 });
      clients.push(client);
      const seen: { topic: string; payload: string; retain: boolean }[] = [];
      client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
      return { client, seen };
    };
    const neighbour = await connect(NEIGHBOUR);
    await neighbour.client.subscribeAsync([mqttTopic.alert(PUMP), 'premonitor/v1/+/+/alert'], { qos: 1 }).catch(() => undefined);
    const pump = await connect(PUMP);
    await pump.client.publishAsync(mqttTopic.edgeAlert(PUMP), JSON.stringify({ ts: Date.now(), seq: 1, rule: 'acoustic-anomaly', severity: 'WARNING', score: 0.9, message: 'bearing noise' }), { qos: 1 });

    const state = await waitFor(
      'the retained alert state of pump-1',
      async () => {
        const reader = await connect(PUMP);
        await reader.client.subscribeAsync(mqttTopic.alert(PUMP), { qos: 1 });
        const got = await waitFor('a retained message', () => reader.seen.find((m) => m.retain), 2_000).catch(() => undefined);
        await reader.client.endAsync();
        const parsed = got ? deviceAlertState.parse(JSON.parse(got.payload)) : undefined;
        return parsed && parsed.total === 1 ? parsed : undefined;
      },
      120_000,
    );
    assert.deepEqual([state.site, state.device], ['plant-1', 'pump-1']);
    assert.equal(state.alerts[0]?.rule, 'acoustic-anomaly');
    assert.equal(state.alerts[0]?.status, 'open');
    assert.deepEqual(neighbour.seen, [], "the neighbour received pump-1's alert state");
    // Stopped here, before the data folder is removed (t.after runs before the suite's after).
    for (const c of clients.splice(0)) await c.endAsync().catch(() => undefined);
    await platform.stop();
    platform = undefined;
  });
});
