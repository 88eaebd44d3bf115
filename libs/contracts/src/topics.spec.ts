import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INGEST_SUBSCRIPTIONS, mqttFilter, mqttTopic, parseTopic } from './topics.js';
import { deviceKey, parseDeviceKey } from './ids.js';
import { busSubjects, parseFrameSubject } from './subjects.js';

const ref = { site: 'plant-1', device: 'pump-7' };

test('topic builders and filters spell the one tree: a device with a ref, every device without', () => {
  assert.equal(mqttTopic.model(ref, 'telemetry'), 'premonitor/v1/plant-1/pump-7/model/telemetry');
  assert.equal(mqttTopic.heartbeat(ref), 'premonitor/v1/plant-1/pump-7/command/heartbeat');
  assert.equal(mqttFilter.models(ref), 'premonitor/v1/plant-1/pump-7/model/+');
  assert.equal(mqttFilter.commands(ref), 'premonitor/v1/plant-1/pump-7/command/#');
  assert.equal(mqttFilter.models(), 'premonitor/v1/+/+/model/+');
  assert.equal(mqttFilter.commands(), 'premonitor/v1/+/+/command/#');
  assert.equal(mqttFilter.status(), 'premonitor/v1/+/+/status');
  assert.deepEqual(INGEST_SUBSCRIPTIONS, ['premonitor/v1/+/+/telemetry', 'premonitor/v1/+/+/status', 'premonitor/v1/+/+/edge-alert', 'premonitor/v1/+/+/frame/+']);
  const model = parseTopic(mqttTopic.model(ref, 'thermal'));
  assert.ok(model.ok && model.topic.channel.type === 'model' && model.topic.device === 'pump-7');
  // A device's own telemetry model is announced on the same tree (model-sync → that device only).
  const telemetry = parseTopic(mqttTopic.model(ref, 'telemetry'));
  assert.ok(telemetry.ok && telemetry.topic.channel.type === 'model' && telemetry.topic.channel.kind === 'telemetry');
  assert.equal(parseTopic('premonitor/v1/plant-1/pump-7/model/vibration').ok, false);
});

test('subject filters select a site or a kind, and the frame parser reads back what the builder wrote', () => {
  assert.equal(busSubjects.scores.ofSite('plant-1'), 'pm.scores.*.plant-1.*');
  assert.equal(busSubjects.edgeAlerts.ofSite('plant-1'), 'pm.edge-alerts.plant-1.*');
  assert.equal(busSubjects.frames.ofKind('acoustic'), 'pm.frames.acoustic.>');
  assert.equal(busSubjects.baselines.ofKind('thermal'), 'pm.baselines.thermal.>');
  assert.deepEqual(parseFrameSubject(busSubjects.frames.subject('thermal', ref), 'thermal'), ref);
  assert.equal(parseFrameSubject(busSubjects.frames.subject('thermal', ref), 'acoustic'), undefined, 'another kind');
  assert.equal(parseFrameSubject(busSubjects.scores.subject('thermal', ref), 'thermal'), undefined, 'not a frame');
  assert.equal(parseFrameSubject('pm.frames.thermal.plant-1.Bad_Id', 'thermal'), undefined, 'invalid device id');
  assert.equal(parseFrameSubject('pm.frames.thermal.plant-1.pump-7.extra', 'thermal'), undefined, 'too many tokens');
});

test('telemetry scores: own subject and parser, stored in PM_SCORES under the one scores wildcard', async () => {
  const { parseTelemetryScoreSubject, streamLayout } = await import('./subjects.js');
  const subject = busSubjects.telemetryScores.subject(ref);
  assert.equal(subject, 'pm.scores.telemetry.plant-1.pump-7');
  assert.deepEqual(parseTelemetryScoreSubject(subject), ref);
  assert.equal(parseTelemetryScoreSubject(busSubjects.scores.subject('thermal', ref)), undefined, 'a frame score is not a telemetry score');
  assert.equal(busSubjects.telemetryScores.ofSite('plant-1'), 'pm.scores.telemetry.plant-1.*');
  assert.deepEqual(streamLayout().get('PM_SCORES'), ['pm.scores.>'], 'no overlapping subjects in one stream');
});

test('a telemetry score event is refused when its score, threshold or sensors are out of contract', async () => {
  const { telemetryScoreEvent } = await import('./messages.js');
  const ok = { ...ref, kind: 'telemetry', ts: 1, seq: 2, score: 0.7, threshold: 0.5, ratio: 2.3, sensors: ['Volume Flow RateRMS', 'Current'], modelVersion: 'pca-1', latencyMs: 0.1, reference: 'device' };
  assert.ok(telemetryScoreEvent.safeParse(ok).success);
  for (const bad of [{ score: 1.2 }, { threshold: 1 }, { ratio: Number.NaN }, { sensors: [] }, { sensors: ['bad\tkey'] }, { kind: 'thermal' }]) {
    assert.equal(telemetryScoreEvent.safeParse({ ...ok, ...bad }).success, false, JSON.stringify(bad));
  }
});

test('the alert topic: one retained state per device, parsed back, filtered for every device', () => {
  assert.equal(mqttTopic.alert(ref), 'premonitor/v1/plant-1/pump-7/alert');
  assert.equal(mqttFilter.alerts(), 'premonitor/v1/+/+/alert');
  assert.equal(mqttFilter.alerts(ref), mqttTopic.alert(ref));
  const parsed = parseTopic(mqttTopic.alert(ref));
  assert.ok(parsed.ok && parsed.topic.channel.type === 'alert' && parsed.topic.site === 'plant-1' && parsed.topic.device === 'pump-7');
  assert.equal(parseTopic(`${mqttTopic.alert(ref)}/extra`).ok, false);
});

test('a device key parses back to its ref; anything else is not a device key', () => {
  assert.deepEqual(parseDeviceKey(deviceKey(ref)), ref);
  for (const bad of ['plant-1', 'plant-1/pump-7/x', 'Plant/pump', '/pump', 'plant-1/']) assert.equal(parseDeviceKey(bad), undefined, bad);
});
