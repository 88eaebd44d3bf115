import { coreConfigShape } from '@premonitor/config';

/** The console's settings: only the core ones (it serves files; the host does the rest). */
export const consoleConfigShape = { ...coreConfigShape({ httpPort: 8088, databasePoolSize: 2 }) };
