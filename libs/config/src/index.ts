export { loadConfig, ConfigError, isSecret } from './load-config.js';
export { envInt, envNumber, envPort, envBool, envUrl, envEnum, envJson } from './env-types.js';
export { shutdownConfigShape } from './shutdown-config.js';
export { coreConfigShape, mqttClientConfigShape, LOG_LEVELS, type CoreConfigDefaults } from './core-config.js';
export { authConfigShape } from './auth-config.js';
export { UsageError, chooseCommand, readStdin, reportCliError } from './cli-support.js';
