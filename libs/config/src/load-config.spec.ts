import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config.js';
import { envInt, envUrl } from './env-types.js';

const shape = {
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  NATS_URL: envUrl(['nats']),
  MQTT_PASSWORD: z.string().min(20),
  SIGNING_SECRET: z.string().min(20),
  API_TOKEN: z.string().min(20),
  ALERT_WEBHOOK_URL: z.string().url().refine((u) => u.startsWith('https:'), 'must be https'),
  HTTP_PORT: envInt(8080, 0, 65_535),
};

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(shape, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('never echoes a secret value, a URL password or a webhook path in a config error', () => {
  const err = errorFor({
    DATABASE_URL: 'postgres://pm:pw-db-1@db:99999/premonitor',
    NATS_URL: 'http://u:pw-nats-2@nats:4222',
    MQTT_PASSWORD: 'pw-mqtt-3',
    SIGNING_SECRET: 'pw-sign-4',
    API_TOKEN: 'pw-token-5',
    ALERT_WEBHOOK_URL: 'http://hooks.slack.com/services/T0/B0/pw-hook-6',
    HTTP_PORT: 'pm:pw-port-7@x',
  });
  for (const secret of ['pw-db-1', 'pw-nats-2', 'pw-mqtt-3', 'pw-sign-4', 'pw-token-5', 'pw-hook-6', 'pw-port-7']) {
    assert.ok(!err.message.includes(secret), `${secret} leaked:\n${err.message}`);
  }
  assert.deepEqual([...err.variables].sort(), Object.keys(shape).sort());
  // Enough is left to find the mistake.
  assert.match(err.message, /DATABASE_URL: .*postgres:\/\/\*\*\*@db:99999\/premonitor|DATABASE_URL: .*pm:\*\*\*@db:99999/);
  assert.match(err.message, /ALERT_WEBHOOK_URL: .*http:\/\/hooks\.slack\.com/);
  assert.match(err.message, /MQTT_PASSWORD: .*value hidden/);
});

test('echoes an ordinary invalid value so the operator sees the typo', () => {
  const err = errorFor({ DATABASE_URL: 'postgres://db/x', NATS_URL: 'nats://n:4222', MQTT_PASSWORD: 'x'.repeat(20), SIGNING_SECRET: 'x'.repeat(20), API_TOKEN: 'x'.repeat(20), ALERT_WEBHOOK_URL: 'https://h.example/x', HTTP_PORT: '80a' });
  assert.match(err.message, /HTTP_PORT: must be an integer \(got '80a'\)/);
  assert.deepEqual(err.variables, ['HTTP_PORT']);
});
