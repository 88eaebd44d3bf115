export { EmbeddedPlatform, type PlatformEndpoints, type PlatformSummary } from './embedded-platform.js';
export { platformConfigShape, type PlatformConfig } from './platform-config.js';
