// Public door of @premonitor/edge-agent: the agent, the simulator, and the sources config that
// joins them. A process that needs only one imports `@premonitor/edge-agent/agent` or `/simulator`.
export * from './agent/index.js';
export * from './simulator/index.js';
export { sourceConfig, sourcesConfig, buildSources, type SourceConfig } from './sources.js';
