export { loadConfig, ConfigError } from './load-config.js';
export { envInt, envPort, envBool, envUrl, envEnum } from './env-types.js';
