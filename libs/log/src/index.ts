export { createLogger, type Logger, type LogFields } from './logger.js';
