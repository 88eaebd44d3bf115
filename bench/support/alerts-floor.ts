import { connectAsync, type MqttClient } from 'mqtt';
import type { BenchStack } from './bench-stack.js';

/**
 * The broker round trip alone, the floor under any alert latency: every device publishes one
 * QoS 1 telemetry message per second through the real broker (its own login, ACL applied) to a
 * core subscriber in this process; returns publish → receipt times, ms. Same devices and
 * rate as the alert phase.
 */
export async function brokerFloor(stack: BenchStack, seconds: number): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const subscriber = await connectAsync(stack.coreUrl, {
    clientId: stack.coreClientId(`alerts-floor-${process.pid}`),
    username: stack.core.username,
    password: stack.core.password,
    protocolVersion: stack.protocolVersion,
    clean: true,
    reconnectPeriod: 0,
  });
  const site = stack.devices[0]!.ref.site;
  subscriber.on('message', (topic, payload) => {
    const at = performance.now();
    const { seq } = JSON.parse(payload.toString('utf8')) as { seq: number };
    const key = `${topic}#${seq}`;
    const t = sentAt.get(key);
    if (t !== undefined) {
      samples.push(at - t);
      sentAt.delete(key);
    }
  });
  await subscriber.subscribeAsync(`premonitor/v1/${site}/+/telemetry`, { qos: 1 });
  const devices: { client: MqttClient; topic: string }[] = [];
  try {
    for (const d of stack.devices) {
      const client = await connectAsync(stack.device.url, { clientId: d.username, username: d.username, password: d.password, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
      devices.push({ client, topic: `premonitor/v1/${d.username}/telemetry` });
    }
    const start = performance.now();
    const spacing = 1000 / devices.length;
    for (let round = 0; round < seconds; round++) {
      for (let i = 0; i < devices.length; i++) {
        const due = start + round * 1000 + i * spacing;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const { client, topic } = devices[i]!;
        sentAt.set(`${topic}#${round}`, performance.now());
        client.publish(topic, JSON.stringify({ ts: Date.now(), seq: round, readings: { temp_c: 40 } }), { qos: 1 });
      }
    }
    const deadline = performance.now() + 5_000;
    while (sentAt.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await Promise.all(devices.map((d) => d.client.endAsync()));
    await subscriber.endAsync();
  }
  return samples;
}
