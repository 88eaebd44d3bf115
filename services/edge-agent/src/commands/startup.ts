import { ConfigError, loadConfig } from '@premonitor/config';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { mqttConnector, type MqttConnector } from '../agent/mqtt-session.js';

/** The environment as `main.ts` hands it over; nothing below the commands reads `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Parses a command's config; an invalid value prints the variables at fault and exits with 2. */
export function configOrExit<S extends z.ZodRawShape>(shape: S, env: Env): ReturnType<typeof loadConfig<S>> {
  try {
    return loadConfig(shape, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

/** The MQTT connector, trusting MQTT_CA_FILE when set; exits with a clear message when the file cannot be read. */
export function brokerConnector(caFile: string | undefined): MqttConnector {
  if (!caFile) return mqttConnector();
  try {
    return mqttConnector({ ca: readFileSync(caFile) });
  } catch (err) {
    console.error(`MQTT_CA_FILE: cannot read ${caFile}: ${(err as Error).message}`);
    process.exit(2);
  }
}
