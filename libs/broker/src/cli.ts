#!/usr/bin/env node
/**
 * Manages the embedded broker's credential file and the Mosquitto core ACL: the commands and
 * flags are in {@link USAGE} (`node libs/broker/dist/cli.js --help`). mosquitto/add-device.sh
 * and mosquitto/add-core-user.sh call it so both brokers get the same accounts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError, chooseCommand, readStdin, reportCliError } from '@premonitor/config';
import { CredentialStore, generatePassword } from './credential-store.js';
import { removeUserBlock, upsertUserBlock } from './mosquitto-acl.js';
import { RETIRED_CORE_ROLE, SERVICE_ROLES, isServiceRole, isValidServiceUsername, type ServiceRole } from './principal.js';

const COMMANDS = ['add-device', 'add-service', 'remove-device', 'remove-service', 'list', 'mosquitto-acl'] as const;

const USAGE = `usage: node libs/broker/dist/cli.js <command> [options]

Manages the embedded broker's credential file (only password hashes are stored) and the
Mosquitto core ACL. A password is generated when none is given and printed once.

commands:
  add-device      --file F --site S --device D [--password P | --password-stdin] [--replace]
  add-service     --file F --username U --role ${SERVICE_ROLES.join('|')} [--password P | --password-stdin] [--replace]
  remove-device   --file F --site S --device D
  remove-service  --file F --username U
  list            --file F
  mosquitto-acl   --acl-file mosquitto/acl-core --username U --role R   (writes U's block)
  mosquitto-acl   --acl-file mosquitto/acl-core --username U --remove
  help            this text

options:
  -h, --help      this text

environment:
  PREMONITOR_MQTT_CREDENTIALS_FILE   the credential file when --file is not given

For both brokers at once use mosquitto/add-device.sh and mosquitto/add-core-user.sh (--help).
`;

async function main(argv: readonly string[]): Promise<void> {
  const chosen = chooseCommand(argv, COMMANDS, USAGE);
  if (!chosen) return;
  const { command, rest } = chosen;
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string' },
      site: { type: 'string' },
      device: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
      'acl-file': { type: 'string' },
      remove: { type: 'boolean', default: false },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      replace: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'mosquitto-acl') return mosquittoAcl(values);
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
      const role = roleOf(values.role);
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
      for (const s of store.services()) console.log(`service ${s.username} (${s.role}${s.role === RETIRED_CORE_ROLE ? ': retired, cannot log in; re-add with --role --replace' : ''})`);
      return;
    }
    default:
      throw new UsageError(`unknown command '${command}' (try --help)`);
  }
}

function roleOf(role: string | undefined): ServiceRole {
  if (role === undefined) throw new UsageError(`--role is required: one of ${SERVICE_ROLES.join(', ')}`);
  if (!isServiceRole(role)) throw new UsageError(`unknown role '${role}': one of ${SERVICE_ROLES.join(', ')}`);
  return role;
}

/** Writes (or removes) one core account's `user` block in a Mosquitto ACL file. */
async function mosquittoAcl(values: { 'acl-file'?: string; username?: string; role?: string; remove?: boolean }): Promise<void> {
  const file = values['acl-file'];
  const username = values.username;
  if (!file || !username) throw new UsageError('mosquitto-acl needs --acl-file and --username');
  if (!isValidServiceUsername(username)) throw new UsageError(`core account names must match [a-z0-9-]{1,64}; got '${username}'`);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  await writeFile(file, values.remove ? removeUserBlock(text, username) : upsertUserBlock(text, username, roleOf(values.role)));
}

function report(username: string, pw: { value: string; generated: boolean }): void {
  console.log(`MQTT username: ${username}`);
  // Printed once, here, because only its hash is kept.
  if (pw.generated) console.log(`MQTT password: ${pw.value}   (shown once; store it in the device's config now)`);
}

main(process.argv.slice(2)).catch(reportCliError);
