// Public door of @premonitor/testkit: private infrastructure for the benches and the fault
// suite. Nothing here runs in production.
export { BoundedLog } from './bounded-log.js';
export { Cleanup } from './cleanup.js';
export { findBinary } from './find-binary.js';
export { ManagedChild, type ChildExit, type ChildSpec } from './managed-child.js';
export { killWithThisProcess } from './orphan-guard.js';
export { NatsProcess } from './nats-process.js';
export { RestartableServer } from './restartable-server.js';
export { PostgresProcess, type PostgresOptions } from './postgres-process.js';
export { ServiceProcess, describeExit, type ServiceProcessOptions } from './service-process.js';
export { ScratchDatabase } from './scratch-database.js';
export { WebhookReceiver, localWebhookChannel, type WebhookAlert, type WebhookHit } from './webhook-receiver.js';
export { freePort, waitForPort } from './net.js';
export { repoRoot } from './repo-root.js';
export { fmt, percentile, round } from './stats.js';
export {
  DISCONNECT_PACKET,
  PacketReader,
  PacketType,
  connectPacket,
  mqttString,
  parsePublish,
  publishPacket,
  pubackPacket,
  remainingLength,
  subscribePacket,
  type ConnectFields,
  type InboundPacket,
} from './mqtt-wire.js';
export { RawMqttClient, type ConnectOutcome, type RawClientOptions, type ReceivedMessage } from './raw-mqtt-client.js';
export { RawMqttPublisher, type PhaseResult, type PublisherSpec } from './raw-mqtt-publisher.js';
