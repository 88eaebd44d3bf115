#!/usr/bin/env node
/**
 * Manages the embedded broker's credential file:
 *
 *   node libs/broker/dist/cli.js add-device  --file F --site S --device D [--password P | --password-stdin] [--replace]
 *   node libs/broker/dist/cli.js add-service --file F --username ingest [--role core] [--password P | --password-stdin] [--replace]
 *   node libs/broker/dist/cli.js remove-device --file F --site S --device D
 *   node libs/broker/dist/cli.js remove-service --file F --username U
 *   node libs/broker/dist/cli.js list --file F
 *
 * A password is generated when none is given and printed once; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { CredentialStore, generatePassword } from './credential-store.js';
import { isServiceRole } from './principal.js';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: cli.js <add-device|add-service|remove-device|remove-service|list> --file PATH [options] (see the header of libs/broker/src/cli.ts)';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string' },
      site: { type: 'string' },
      device: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string', default: 'core' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      replace: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const file = values.file ?? process.env.PREMONITOR_MQTT_CREDENTIALS_FILE;
  if (!file) throw new UsageError('--file is required (or set PREMONITOR_MQTT_CREDENTIALS_FILE)');
  const required = (name: 'site' | 'device' | 'username'): string => {
    const value = values[name];
    if (!value) throw new UsageError(`--${name} is required for ${command ?? ''}`);
    return value;
  };
  const password = async (): Promise<{ value: string; generated: boolean }> => {
    if (values['password-stdin']) return { value: await readStdin(), generated: false };
    if (values.password) return { value: values.password, generated: false };
    return { value: generatePassword(), generated: true };
  };

  switch (command) {
    case 'add-device': {
      const store = await CredentialStore.load(file, { createIfMissing: true });
      const pw = await password();
      const username = await store.addDevice({ site: required('site'), device: required('device') }, pw.value, { replace: values.replace });
      await store.save();
      report(username, pw);
      return;
    }
    case 'add-service': {
      const role = values.role ?? 'core';
      if (!isServiceRole(role)) throw new UsageError(`unknown role '${role}'`);
      const store = await CredentialStore.load(file, { createIfMissing: true });
      const pw = await password();
      const username = required('username');
      await store.addService(username, role, pw.value, { replace: values.replace });
      await store.save();
      report(username, pw);
      return;
    }
    case 'remove-device':
    case 'remove-service': {
      const store = await CredentialStore.load(file);
      const removed =
        command === 'remove-device' ? store.removeDevice({ site: required('site'), device: required('device') }) : store.removeService(required('username'));
      await store.save();
      console.log(removed ? 'removed' : 'not found (nothing changed)');
      return;
    }
    case 'list': {
      const store = await CredentialStore.load(file);
      for (const d of store.devices()) console.log(`device  ${d.username}`);
      for (const s of store.services()) console.log(`service ${s.username} (${s.role})`);
      return;
    }
    default:
      throw new UsageError(USAGE);
  }
}

function report(username: string, pw: { value: string; generated: boolean }): void {
  console.log(`MQTT username: ${username}`);
  // Printed once, here, because only its hash is kept.
  if (pw.generated) console.log(`MQTT password: ${pw.value}   (shown once; store it in the device's config now)`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.exitCode = err instanceof UsageError || (err instanceof Error && err.name === 'TypeError') ? 2 : 1;
});
