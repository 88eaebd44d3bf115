import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INGEST_SUBSCRIPTIONS, mqttTopic } from '@premonitor/contracts';
import { mayPublish, mayReceive, mayRetain, maySubscribe } from './access-control.js';
import type { Principal } from './principal.js';

const ref = { site: 'plant-1', device: 'pump-7' };
const device: Principal = { kind: 'device', username: 'plant-1/pump-7', ref };
const ingest: Principal = { kind: 'service', username: 'ingest', role: 'ingest' };
const modelSync: Principal = { kind: 'service', username: 'model-sync', role: 'model-sync' };
const neighbour = { site: 'plant-1', device: 'pump-8' };
const twin = { site: 'plant-2', device: 'pump-7' };
const deviceTopics = [mqttTopic.telemetry(ref), mqttTopic.status(ref), mqttTopic.edgeAlert(ref), mqttTopic.frame(ref, 'acoustic'), mqttTopic.frame(ref, 'thermal')];

test('a device may publish its telemetry, status, edge alerts and both frame kinds', () => {
  for (const topic of deviceTopics) assert.deepEqual(mayPublish(device, topic), { allowed: true }, topic);
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

test('ingest reads every device channel it subscribes to and publishes nothing', () => {
  for (const filter of INGEST_SUBSCRIPTIONS) assert.deepEqual(maySubscribe(ingest, filter), { allowed: true }, filter);
  for (const topic of deviceTopics) {
    assert.deepEqual(mayReceive(ingest, topic), { allowed: true }, topic);
    assert.equal(mayPublish(ingest, topic).allowed, false, topic);
  }
  assert.equal(mayPublish(ingest, mqttTopic.model(ref, 'acoustic')).allowed, false);
  assert.equal(mayReceive(ingest, mqttTopic.model(ref, 'acoustic')).allowed, false);
  assert.equal(maySubscribe(ingest, 'premonitor/v1/#').allowed, false);
  assert.equal(maySubscribe(ingest, '#').allowed, false);
});

test('model-sync writes only models and commands, and reads only status', () => {
  assert.deepEqual(mayPublish(modelSync, mqttTopic.model(ref, 'acoustic')), { allowed: true });
  assert.deepEqual(mayPublish(modelSync, 'premonitor/v1/plant-1/pump-7/command/heartbeat'), { allowed: true });
  for (const topic of deviceTopics) assert.equal(mayPublish(modelSync, topic).allowed, false, `no core account may publish as a device: ${topic}`);
  assert.deepEqual(maySubscribe(modelSync, 'premonitor/v1/+/+/status'), { allowed: true });
  assert.equal(maySubscribe(modelSync, 'premonitor/v1/+/+/telemetry').allowed, false);
  assert.equal(mayReceive(modelSync, mqttTopic.frame(ref, 'acoustic')).allowed, false);
  assert.deepEqual(mayReceive(modelSync, mqttTopic.status(ref)), { allowed: true });
  assert.equal(mayPublish(modelSync, 'other/topic').allowed, false);
});

test('a device receives only its own model and command topics', () => {
  assert.deepEqual(mayReceive(device, mqttTopic.model(ref, 'thermal')), { allowed: true });
  assert.deepEqual(mayReceive(device, 'premonitor/v1/plant-1/pump-7/command/heartbeat'), { allowed: true });
  for (const topic of [mqttTopic.model(neighbour, 'thermal'), mqttTopic.telemetry(ref), mqttTopic.status(neighbour), '$SYS/broker/uptime']) {
    assert.equal(mayReceive(device, topic).allowed, false, topic);
  }
});

test('devices retain only their status, model-sync only model announcements, within the size limit', () => {
  assert.deepEqual(mayRetain(device, mqttTopic.status(ref), 200, 1024), { allowed: true });
  assert.equal(mayRetain(device, mqttTopic.status(ref), 1025, 1024).allowed, false);
  assert.equal(mayRetain(device, mqttTopic.telemetry(ref), 10, 1024).allowed, false);
  assert.equal(mayRetain(device, mqttTopic.frame(ref, 'thermal'), 10, 1024).allowed, false);
  assert.deepEqual(mayRetain(modelSync, mqttTopic.model(ref, 'acoustic'), 300, 1024), { allowed: true });
  assert.equal(mayRetain(modelSync, 'premonitor/v1/plant-1/pump-7/command/heartbeat', 10, 1024).allowed, false);
  assert.equal(mayRetain(ingest, mqttTopic.status(ref), 10, 1024).allowed, false);
});

test("fusion publishes and retains every device's alert state and nothing else; a device reads only its own", () => {
  const fusion: Principal = { kind: 'service', username: 'fusion', role: 'fusion' };
  for (const other of [ref, neighbour, twin]) {
    assert.deepEqual(mayPublish(fusion, mqttTopic.alert(other)), { allowed: true });
    assert.deepEqual(mayRetain(fusion, mqttTopic.alert(other), 100, 1_000), { allowed: true });
  }
  for (const topic of [...deviceTopics, mqttTopic.model(ref, 'thermal'), mqttTopic.heartbeat(ref)]) assert.equal(mayPublish(fusion, topic).allowed, false, topic);
  assert.equal(maySubscribe(fusion, mqttTopic.alert(ref)).allowed, false, 'fusion reads nothing');
  assert.equal(mayPublish(device, mqttTopic.alert(ref)).allowed, false, 'a device cannot forge its own alert state');
  assert.deepEqual(maySubscribe(device, mqttTopic.alert(ref)), { allowed: true });
  assert.deepEqual(mayReceive(device, mqttTopic.alert(ref)), { allowed: true });
  for (const other of [neighbour, twin]) {
    assert.equal(maySubscribe(device, mqttTopic.alert(other)).allowed, false);
    assert.equal(mayReceive(device, mqttTopic.alert(other)).allowed, false);
  }
  assert.equal(maySubscribe(device, 'premonitor/v1/+/+/alert').allowed, false);
});
