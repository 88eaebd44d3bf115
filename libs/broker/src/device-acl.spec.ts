import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mqttTopic } from '@premonitor/contracts';
import { mayPublish, maySubscribe } from './device-acl.js';
import type { Principal } from './principal.js';

const ref = { site: 'plant-1', device: 'pump-7' };
const device: Principal = { kind: 'device', username: 'plant-1/pump-7', ref };
const core: Principal = { kind: 'service', username: 'ingest', role: 'core' };
const neighbour = { site: 'plant-1', device: 'pump-8' };
const twin = { site: 'plant-2', device: 'pump-7' };

test('a device may publish its telemetry, status, edge alerts and both frame kinds', () => {
  for (const topic of [mqttTopic.telemetry(ref), mqttTopic.status(ref), mqttTopic.edgeAlert(ref), mqttTopic.frame(ref, 'acoustic'), mqttTopic.frame(ref, 'thermal')]) {
    assert.deepEqual(mayPublish(device, topic), { allowed: true }, topic);
  }
});

test("a device may not publish models, other devices' topics, or outside the root", () => {
  for (const topic of [
    mqttTopic.model(ref, 'acoustic'),
    mqttTopic.telemetry(neighbour),
    mqttTopic.telemetry(twin),
    'premonitor/v1/plant-1/pump-7/telemetry/extra',
    'premonitor/v1/plant-1/pump-7/frame/unknown',
    'premonitor/v1/plant-1/pump-7/command/reboot',
    '$SYS/broker/x',
    'premonitor/v1/+/pump-7/telemetry',
  ]) {
    assert.equal(mayPublish(device, topic).allowed, false, topic);
  }
});

test('a device may subscribe to its own model and command topics, exact or wildcarded', () => {
  for (const filter of ['premonitor/v1/plant-1/pump-7/model/+', mqttTopic.model(ref, 'thermal'), 'premonitor/v1/plant-1/pump-7/command/#', 'premonitor/v1/plant-1/pump-7/command/restart']) {
    assert.deepEqual(maySubscribe(device, filter), { allowed: true }, filter);
  }
});

test('wildcards that reach beyond the device are refused', () => {
  for (const filter of ['#', 'premonitor/v1/#', 'premonitor/v1/plant-1/+/model/+', 'premonitor/v1/+/pump-7/model/+', 'premonitor/v1/plant-1/pump-7/#', 'premonitor/v1/plant-1/pump-7/+/acoustic', mqttTopic.model(neighbour, 'acoustic'), mqttTopic.telemetry(ref), 'bad/#/filter']) {
    assert.equal(maySubscribe(device, filter).allowed, false, filter);
  }
});

test('the core role may do anything under premonitor/v1/ and nothing outside it', () => {
  assert.deepEqual(mayPublish(core, mqttTopic.model(ref, 'acoustic')), { allowed: true });
  assert.deepEqual(maySubscribe(core, 'premonitor/v1/+/+/frame/+'), { allowed: true });
  assert.deepEqual(maySubscribe(core, 'premonitor/v1/#'), { allowed: true });
  assert.equal(maySubscribe(core, '#').allowed, false);
  assert.equal(mayPublish(core, 'other/topic').allowed, false);
});
