/** The version every device of this package reports in its retained status (agent and simulator alike). */
export const EDGE_AGENT_VERSION = '0.2.0';
