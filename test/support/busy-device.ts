import { connect } from 'mqtt';
import { deviceClientId, mqttTopic, type DeviceRef } from '@premonitor/contracts';

/** A device publishing telemetry; `acked` lists the seqs the broker acknowledged, in order. */
export interface BusyDevice {
  readonly acked: readonly number[];
  /** Stops publishing (the connection stays until the test ends). */
  stopPublishing(): void;
}

/**
 * A device on `mqtt://127.0.0.1:{port}` that retries every 20 ms and, once connected, publishes
 * one QoS 1 reading at once and then one every 2 ms while connected: a device does not stop
 * because the platform does, and what the broker did not acknowledge it sends again later.
 * Ended after the test `t`.
 */
export function busyDevice(t: { after(fn: () => Promise<void>): void }, port: number, ref: DeviceRef, password: string): BusyDevice {
  const device = connect(`mqtt://127.0.0.1:${port}`, { clientId: deviceClientId(ref), username: `${ref.site}/${ref.device}`, password, protocolVersion: 4, clean: true, reconnectPeriod: 20 });
  device.on('error', () => undefined);
  const acked: number[] = [];
  let seq = 0;
  const publish = () => {
    const n = ++seq;
    device.publish(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: n, readings: { temperature: 40 } }), { qos: 1 }, (err) => {
      if (!err) acked.push(n);
    });
  };
  let publishing: NodeJS.Timeout | undefined;
  device.on('connect', () => {
    publish();
    publishing ??= setInterval(() => device.connected && publish(), 2);
  });
  const stopPublishing = () => clearInterval(publishing);
  t.after(async () => {
    stopPublishing();
    await device.endAsync(true);
  });
  return { acked, stopPublishing };
}
