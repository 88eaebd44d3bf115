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
export { synthesizeAcoustic, synthesizeThermal, DEFAULT_ACOUSTIC_SHAPE, DEFAULT_THERMAL_SHAPE, type AcousticShape, type ThermalShape } from './frame-synth.js';
export { mulberry32, deriveSeed, normal, type Random, type RandomFactory } from './random.js';
export { SequenceCounter } from './sequence-counter.js';
export { systemClock, type Clock, type Cancel } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { connectMqtt, type MqttConnector, type MqttSession, type MqttSessionOptions, type MqttSessionEvents } from './mqtt-session.js';
