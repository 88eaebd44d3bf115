export { Ingest, type IngestSettings, type IngestDependencies } from './ingest.js';
export { IngestService, type IngestServiceOptions, type IngestStats } from './ingest-service.js';
export { MqttGateway, type IncomingMessage, type MqttGatewayOptions } from './mqtt-gateway.js';
export { classifyMessage, type AcceptLimits, type Classified, type RejectCategory } from './classify-message.js';
export { Batcher, type BatcherOptions } from './batcher.js';
export { ingestConfigShape, type IngestConfig } from './ingest-config.js';
export { settingsFromConfig } from './settings-from-config.js';
export { createReadApi } from './api/read-api.js';
export type { IngestStore } from './ingest-store.js';
