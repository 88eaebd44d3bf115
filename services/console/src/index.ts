export { consoleModule } from './console-module.js';
export { CONSOLE_ROUTES, consoleRouter } from './console-files.js';
