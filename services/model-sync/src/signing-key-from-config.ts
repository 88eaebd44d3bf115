import { ConfigError } from '@premonitor/config';
import { signingKeyFromPem, type SigningKey } from '@premonitor/contracts/signing';
import type { Logger } from '@premonitor/log';
import type { ModelSyncConfig } from './model-sync-config.js';
import { loadOrCreateSigningKeyFile, readSigningKeyFile } from './signing-key-file.js';

/** The signing key the configuration names: `MODEL_SIGNING_KEY` (PEM), else `MODEL_SIGNING_KEY_FILE` (created when allowed). */
export async function signingKeyFromConfig(config: ModelSyncConfig, logger: Pick<Logger, 'info' | 'warn'>): Promise<SigningKey> {
  if (config.MODEL_SIGNING_KEY) {
    try {
      return signingKeyFromPem(config.MODEL_SIGNING_KEY);
    } catch (cause) {
      throw new ConfigError(`invalid configuration:\n  MODEL_SIGNING_KEY: ${(cause as Error).message}`, ['MODEL_SIGNING_KEY']);
    }
  }
  const file = config.MODEL_SIGNING_KEY_FILE;
  if (!file) {
    throw new ConfigError(
      'invalid configuration:\n  MODEL_SIGNING_KEY_FILE: not set; model announcements must be signed. Create a key with `model-sync keygen --out /path/key.pem` and point MODEL_SIGNING_KEY_FILE at it (or set MODEL_SIGNING_KEY to its PEM)',
      ['MODEL_SIGNING_KEY_FILE'],
    );
  }
  return config.MODEL_SIGNING_KEY_CREATE ? loadOrCreateSigningKeyFile(file, logger) : readSigningKeyFile(file, logger);
}
