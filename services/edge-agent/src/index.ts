export { Simulator, type SimulatorOptions, type SimulatorStats } from './simulator.js';
export { SimulatedDevice, EDGE_AGENT_VERSION, type SimulatedDeviceOptions, type SimulatedDeviceStats } from './simulated-device.js';
export { CsvReplay, type CsvReplayOptions, type CsvReplayStats, type ReplayTimestamps } from './csv-replay.js';
export {
  readCsvSeries,
  createCsvRowParser,
  sanitizeReadingKey,
  parseTimestamp,
  detectSeparator,
  type CsvRow,
  type CsvSkip,
  type CsvHeader,
  type CsvSeriesOptions,
  type CsvRowParser,
} from './csv-series.js';
export { type MessageKind, type KindCounts, type DeviceLinkStats } from './device-link.js';
export { MachineModel, MACHINE_KINDS, type MachineKind, type MachineModelOptions, type MachineState } from './machine-model.js';
export { synthesizeAcoustic, synthesizeThermal, DEFAULT_ACOUSTIC_SHAPE, DEFAULT_THERMAL_SHAPE, type AcousticShape, type SimulatedMachine, type ThermalShape } from './frame-synth.js';
export { mulberry32, deriveSeed, normal, type Random, type RandomFactory } from './random.js';
export { SequenceCounter } from './sequence-counter.js';
export { systemClock, type Clock, type Cancel } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { connectMqtt, mqttConnector, type MqttTransportOptions, type MqttConnector, type MqttSession, type MqttSessionOptions, type MqttSessionEvents } from './mqtt-session.js';
export { EdgeAgent, heartbeatTopic, type EdgeAgentOptions, type EdgeAgentStats } from './edge-agent.js';
export { DiskQueue, type DiskQueueOptions, type DiskQueueStats, type QueueEntry, type FsyncPolicy } from './disk-queue.js';
export { Outbox, type OutboxMessage, type OutboxKind, type OutboxStats } from './outbox.js';
export { LocalModel } from './local-model.js';
export { ModelStore } from './model-store.js';
export { ModelSyncClient } from './model-sync-client.js';
export { EdgeRules, EDGE_THRESHOLD_RULES, EDGE_CORRELATED_RULES, type EdgeRaise } from './edge-rules.js';
export { FramePolicy, type FramePolicyMode } from './frame-policy.js';
export { SimulatedSource } from './simulated-source.js';
export { CommandSource } from './command-source.js';
export { WavFolderSource, ThermalFolderSource, CsvTelemetrySource } from './file-replay-sources.js';
export { SourceSupervisor, type SourceState } from './source-supervisor.js';
export { sourceConfig, sourcesConfig, buildSources, type SourceConfig } from './source-config.js';
export type { SensorSource, SensorSample, SampleSink } from './sensor-source.js';
export { QueueStorageError, RecordTooLargeError } from './queue-errors.js';
export { FrameAdaptError, ModelContractError, ModelRefusedError } from './model-errors.js';
