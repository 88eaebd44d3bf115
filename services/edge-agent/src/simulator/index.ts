// The simulator's public door (`@premonitor/edge-agent/simulator`): simulated devices, the
// machine model and CSV replay, for development, tests and demos. It builds on the agent's
// MQTT session and CSV parsing; the agent never imports it.
export { Simulator, type SimulatorOptions, type SimulatorStats } from './simulator.js';
export { SimulatedDevice, type SimulatedDeviceOptions, type SimulatedDeviceStats } from './simulated-device.js';
export { CsvReplay, type CsvReplayOptions, type CsvReplayStats, type ReplayTimestamps } from './csv-replay.js';
export { type MessageKind, type KindCounts, type DeviceLinkStats } from './device-link.js';
export { MachineModel, MACHINE_KINDS, type MachineKind, type MachineModelOptions, type MachineState } from './machine-model.js';
export { synthesizeAcoustic, synthesizeThermal, DEFAULT_ACOUSTIC_SHAPE, DEFAULT_THERMAL_SHAPE, type AcousticShape, type SimulatedMachine, type ThermalShape } from './frame-synth.js';
export { SequenceCounter } from './sequence-counter.js';
export { SimulatedSource } from './simulated-source.js';
export { simulatedSourceConfig } from './simulated-source-config.js';
