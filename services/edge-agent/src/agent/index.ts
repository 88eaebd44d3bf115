// The agent's public door (`@premonitor/edge-agent/agent`): what runs on the device. Nothing
// here imports the simulator, so a process that only runs the agent never loads it.
export { EDGE_AGENT_VERSION } from './agent-version.js';
export { connectMqtt, mqttConnector, type MqttTransportOptions, type MqttConnector, type MqttSession, type MqttSessionOptions, type MqttSessionEvents } from './mqtt-session.js';
export { EdgeAgent, type EdgeAgentOptions, type EdgeAgentStats } from './edge-agent.js';
export { DiskQueue, type DiskQueueOptions, type DiskQueueStats, type QueueEntry, type FsyncPolicy } from './disk-queue.js';
export { Outbox, type OutboxMessage, type OutboxKind, type OutboxStats } from './outbox.js';
export { LocalModel } from './local-model.js';
export { ModelStore } from './model-store.js';
export { ModelSyncClient, type EdgeModelKind, type ModelInstaller } from './model-sync-client.js';
export { DeviceTelemetryModel, type DeviceTelemetryScore } from './device-telemetry-model.js';
export { BaselineCommandClient } from './baseline-command-client.js';
export { EdgeRules, EDGE_THRESHOLD_RULES, EDGE_CORRELATED_RULES, type EdgeRaise } from './edge-rules.js';
export { FramePolicy, type FramePolicyMode } from './frame-policy.js';
export { CommandSource } from './command-source.js';
export { WavFolderSource, ThermalFolderSource, CsvTelemetrySource, VibrationFolderSource } from './file-replay-sources.js';
export { SourceSupervisor, type SourceState } from './source-supervisor.js';
export { agentSourceConfigs, buildAgentSource, type AgentSourceConfig } from './source-config.js';
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
export type { SensorSource, SensorSample, SampleSink } from './sensor-source.js';
export { QueueStorageError, RecordTooLargeError } from './queue-errors.js';
export { FrameAdaptError, ModelContractError, ModelRefusedError } from './model-errors.js';
