// Copies the files the Kubernetes base generates ConfigMaps and Secrets from into
// deploy/k8s/base/files/, so `kubectl apply -k deploy/k8s/overlays/<env>` works without
// `--load-restrictor` (kustomize refuses files outside the kustomization, symlinks included).
// mosquitto/ and deploy/notifier.example.json stay the one source for compose and Kubernetes:
//   node deploy/k8s/sync-files.mjs          # after editing one of them
// test/k8s-manifests.test.ts fails when a copy differs from its source.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');

/** Copy in base/files/ → its source, relative to the repository root. */
export const SYNCED_FILES = {
  'mosquitto.conf': 'mosquitto/mosquitto.conf',
  acl: 'mosquitto/acl',
  'acl-core': 'mosquitto/acl-core',
  'notifier.example.json': 'deploy/notifier.example.json',
};

/** The copies that differ from their source (empty when in sync). */
export function staleCopies() {
  return Object.entries(SYNCED_FILES)
    .filter(([copy, source]) => {
      try {
        return !readFileSync(join(here, 'base/files', copy)).equals(readFileSync(join(repo, source)));
      } catch {
        return true;
      }
    })
    .map(([copy, source]) => `base/files/${copy} (from ${source})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(join(here, 'base/files'), { recursive: true });
  for (const [copy, source] of Object.entries(SYNCED_FILES)) copyFileSync(join(repo, source), join(here, 'base/files', copy));
  console.log(`copied ${Object.keys(SYNCED_FILES).length} files into ${join(here, 'base/files')}`);
}
