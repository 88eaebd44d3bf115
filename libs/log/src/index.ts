export { createLogger, type Logger, type LogFields } from './logger.js';
export { maskUrl, maskUrlsInText, urlOrigin } from './mask-url.js';
