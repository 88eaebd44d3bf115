import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isValidId, type DeviceRef } from '@premonitor/contracts';
import { CredentialFileError, DuplicateCredentialError, WeakPasswordError } from './broker-errors.js';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, parsePasswordHash, verifyPassword, type ScryptParams } from './password-hash.js';
import { RETIRED_CORE_ROLE, deviceUsername, isServiceRole, isValidServiceUsername, type Principal, type ServiceRole } from './principal.js';

/** A device account as stored: identity plus an scrypt hash, never the password. */
export interface DeviceCredential {
  readonly username: string;
  readonly site: string;
  readonly device: string;
  readonly passwordHash: string;
}

/** A service account (the core side: ingest, model-sync) as stored. */
export interface ServiceCredential {
  readonly username: string;
  /** The account's role; the retired `core` role loads but cannot log in. */
  readonly role: ServiceRole | typeof RETIRED_CORE_ROLE;
  readonly passwordHash: string;
}

/** Options for opening a store. */
export interface CredentialStoreOptions {
  /** Create an empty store when the file does not exist (it is written on the first save). */
  readonly createIfMissing?: boolean;
  /** scrypt cost for new hashes; tests lower it, production keeps the default. */
  readonly scrypt?: ScryptParams;
}

/** Shortest password accepted for a new account. */
export const MIN_PASSWORD_LENGTH = 12;

/** A random password for a new account: 24 bytes, base64url (no characters a shell or passwd file mangles). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

interface CredentialFile {
  readonly version: 1;
  readonly devices: DeviceCredential[];
  readonly services: ServiceCredential[];
}

/**
 * MQTT accounts for the embedded broker, kept in a JSON file that is rewritten atomically.
 * Device usernames follow the `{site}/{device}` scheme shared with the Mosquitto ACL.
 */
export class CredentialStore {
  #file: CredentialFile;
  readonly #scrypt: ScryptParams;
  #dummyHash: Promise<string> | undefined;

  private constructor(
    readonly path: string | null,
    file: CredentialFile,
    scrypt: ScryptParams,
  ) {
    this.#file = file;
    this.#scrypt = scrypt;
  }

  /** A store that lives only in memory (tests, simulated devices); `save()` is refused. */
  static inMemory(options: Pick<CredentialStoreOptions, 'scrypt'> = {}): CredentialStore {
    return new CredentialStore(null, { version: 1, devices: [], services: [] }, options.scrypt ?? DEFAULT_SCRYPT_PARAMS);
  }

  /** Reads the store from `path`; throws CredentialFileError when it is missing (unless told to create) or malformed. */
  static async load(path: string, options: CredentialStoreOptions = {}): Promise<CredentialStore> {
    const file = await readCredentialFile(path, options.createIfMissing ?? false);
    return new CredentialStore(path, file, options.scrypt ?? DEFAULT_SCRYPT_PARAMS);
  }

  /** Re-reads the file, so accounts added by the CLI take effect without a restart. */
  async reload(): Promise<void> {
    if (this.path === null) return;
    this.#file = await readCredentialFile(this.path, false);
  }

  /** Device accounts, without their hashes. */
  devices(): ReadonlyArray<{ readonly username: string } & DeviceRef> {
    return this.#file.devices.map(({ username, site, device }) => ({ username, site, device }));
  }

  /** Service accounts, without their hashes. */
  services(): ReadonlyArray<{ readonly username: string; readonly role: ServiceCredential['role'] }> {
    return this.#file.services.map(({ username, role }) => ({ username, role }));
  }

  /** Service accounts that still hold the retired `core` role and therefore cannot log in. */
  retiredServices(): readonly string[] {
    return this.#file.services.filter((s) => s.role === RETIRED_CORE_ROLE).map((s) => s.username);
  }

  /** Adds (or with `replace`, re-keys) a device; returns its MQTT username. Call `save()` to persist. */
  async addDevice(ref: DeviceRef, password: string, options: { readonly replace?: boolean } = {}): Promise<string> {
    if (!isValidId(ref.site) || !isValidId(ref.device)) {
      throw new RangeError(`site and device must match [a-z0-9-]{1,64}; got '${ref.site}' / '${ref.device}'`);
    }
    const username = deviceUsername(ref);
    this.#assertFree(username, options.replace ?? false);
    const passwordHash = await this.#hash(password);
    this.#dropAccount(username);
    this.#file.devices.push({ username, site: ref.site, device: ref.device, passwordHash });
    return username;
  }

  /** Removes a device; false when it was not there. */
  removeDevice(ref: DeviceRef): boolean {
    return this.#dropAccount(deviceUsername(ref));
  }

  /** Adds (or with `replace`, re-keys or changes the role of) a service account such as `ingest`. Call `save()` to persist. */
  async addService(username: string, role: ServiceRole, password: string, options: { readonly replace?: boolean } = {}): Promise<void> {
    if (!isValidServiceUsername(username)) throw new RangeError(`service usernames must match [a-z0-9-]{1,64}; got '${username}'`);
    if (!isServiceRole(role)) throw new RangeError(`unknown service role '${String(role)}'`);
    this.#assertFree(username, options.replace ?? false);
    const passwordHash = await this.#hash(password);
    this.#dropAccount(username);
    this.#file.services.push({ username, role, passwordHash });
  }

  /** Removes a service account; false when it was not there. */
  removeService(username: string): boolean {
    return this.#dropAccount(username);
  }

  /**
   * The principal for a username/password pair, or null. Unknown usernames still pay for
   * one scrypt run, so response time does not reveal which accounts exist.
   */
  async authenticate(username: string | undefined, password: string | Buffer | undefined): Promise<Principal | null> {
    const device = this.#file.devices.find((d) => d.username === username);
    const service = device ? undefined : this.#file.services.find((s) => s.username === username);
    const account = device ?? service;
    if (account === undefined || username === undefined || password === undefined) {
      await verifyPassword(password ?? '', await this.#dummy());
      return null;
    }
    if (!(await verifyPassword(password, account.passwordHash))) return null;
    if (device) return { kind: 'device', username, ref: { site: device.site, device: device.device } };
    return service && isServiceRole(service.role) ? { kind: 'service', username, role: service.role } : null;
  }

  /** Writes the store atomically (temp file, fsync, rename) with owner-only permissions. */
  async save(): Promise<void> {
    if (this.path === null) throw new CredentialFileError('(memory)', 'an in-memory store cannot be saved');
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(this.#file, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new CredentialFileError(this.path, 'could not be written', { cause: err });
    }
  }

  #assertFree(username: string, replace: boolean): void {
    const taken = this.#file.devices.some((d) => d.username === username) || this.#file.services.some((s) => s.username === username);
    if (taken && !replace) throw new DuplicateCredentialError(username);
  }

  #dropAccount(username: string): boolean {
    const before = this.#file.devices.length + this.#file.services.length;
    this.#file = {
      version: 1,
      devices: this.#file.devices.filter((d) => d.username !== username),
      services: this.#file.services.filter((s) => s.username !== username),
    };
    return this.#file.devices.length + this.#file.services.length < before;
  }

  #hash(password: string): Promise<string> {
    if (password.length < MIN_PASSWORD_LENGTH) throw new WeakPasswordError(MIN_PASSWORD_LENGTH);
    return hashPassword(password, this.#scrypt);
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword(generatePassword(), this.#scrypt);
    return this.#dummyHash;
  }
}

async function readCredentialFile(path: string, createIfMissing: boolean): Promise<CredentialFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (createIfMissing && (err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, devices: [], services: [] };
    throw new CredentialFileError(path, 'could not be read (create it with `node libs/broker/dist/cli.js add-device …`)', { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CredentialFileError(path, 'is not valid JSON', { cause: err });
  }
  return validateCredentialFile(path, raw);
}

function validateCredentialFile(path: string, raw: unknown): CredentialFile {
  const fail = (why: string): never => {
    throw new CredentialFileError(path, why);
  };
  if (typeof raw !== 'object' || raw === null) return fail('expected an object');
  const { version, devices, services } = raw as Record<string, unknown>;
  if (version !== 1) fail(`unsupported version ${String(version)} (expected 1)`);
  if (!Array.isArray(devices) || !Array.isArray(services)) return fail('expected "devices" and "services" arrays');
  const checkHash = (hash: unknown, who: string): string => {
    if (typeof hash !== 'string') return fail(`${who}: passwordHash missing`);
    try {
      parsePasswordHash(hash);
    } catch (err) {
      throw new CredentialFileError(path, `${who}: bad passwordHash`, { cause: err });
    }
    return hash;
  };
  const outDevices = devices.map((d: Record<string, unknown>, i): DeviceCredential => {
    const { site, device, username } = d;
    if (typeof site !== 'string' || typeof device !== 'string' || !isValidId(site) || !isValidId(device)) fail(`devices[${i}]: invalid site/device`);
    const ref = { site: site as string, device: device as string };
    if (username !== deviceUsername(ref)) fail(`devices[${i}]: username must be '${deviceUsername(ref)}'`);
    return { username: deviceUsername(ref), ...ref, passwordHash: checkHash(d.passwordHash, `devices[${i}]`) };
  });
  const outServices = services.map((s: Record<string, unknown>, i): ServiceCredential => {
    const { username, role } = s;
    if (typeof username !== 'string' || !isValidServiceUsername(username)) return fail(`services[${i}]: invalid username`);
    if (typeof role !== 'string' || !(isServiceRole(role) || role === RETIRED_CORE_ROLE)) return fail(`services[${i}]: unknown role`);
    return { username, role, passwordHash: checkHash(s.passwordHash, `services[${i}]`) };
  });
  return { version: 1, devices: outDevices, services: outServices };
}
