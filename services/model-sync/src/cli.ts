#!/usr/bin/env node
/**
 * The model signing key of model-sync:
 *
 *   model-sync keygen --out FILE [--force]   new Ed25519 key in FILE (mode 0600); prints its public key
 *   model-sync public-key --key FILE         prints the public key of the key in FILE
 *
 * (`node services/model-sync/dist/cli.js …` from a checkout.) The public key is what edge agents
 * are configured with: EDGE_MODEL_PUBLIC_KEY=<printed value>. The private key is never printed.
 */
import { parseArgs } from 'node:util';
import { rm } from 'node:fs/promises';
import { publicKeyText, type SigningKey } from '@premonitor/contracts/signing';
import { createSigningKeyFile, readSigningKeyFile } from './signing-key-file.js';

const USAGE = 'usage: model-sync keygen --out FILE [--force] | model-sync public-key --key FILE';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, key: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help || command === 'help' || command === '--help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'keygen' && values.out) {
    if (values.force) await rm(values.out, { force: true });
    const { key, created } = await createSigningKeyFile(values.out);
    if (!created) {
      console.error(`${values.out} already exists; not replacing a signing key (--force replaces it, and every agent then needs the new public key)`);
      return 1;
    }
    print(key, `new signing key written to ${values.out} (mode 0600)`);
    return 0;
  }
  if (command === 'public-key' && values.key) {
    print(await readSigningKeyFile(values.key), `public key of ${values.key}`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

function print(key: SigningKey, what: string): void {
  console.log(`# ${what}, key id ${key.keyId}`);
  console.log(`EDGE_MODEL_PUBLIC_KEY=${publicKeyText(key)}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
