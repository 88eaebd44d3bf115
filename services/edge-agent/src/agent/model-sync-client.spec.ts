import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, parsePublicKeys, publicKeyText, signAnnouncement, signModelWithdrawal, type SigningKey } from '@premonitor/contracts/signing';
import { createLogger } from '@premonitor/log';
import { ModelSyncClient, type EdgeModelKind, type ModelInstaller } from './model-sync-client.js';

const logger = createLogger({ service: 'model-sync-client-spec', level: 'silent' });
const ref = { site: 'plant-1', device: 'pump-7' };

/** The agent's telemetry model as the client sees it: which sha256 runs, and what was done to it. */
class FakeInstaller implements ModelInstaller {
  running: string | undefined;
  readonly withdrawals: string[] = [];
  installed(_kind: EdgeModelKind): string | undefined {
    return this.running;
  }
  async install(_kind: EdgeModelKind, bytes: Uint8Array): Promise<{ readonly version: string }> {
    this.running = sha256(bytes);
    return { version: Buffer.from(bytes).toString() };
  }
  async withdraw(_kind: 'telemetry', reason: string): Promise<string | undefined> {
    const was = this.running;
    this.running = undefined;
    this.withdrawals.push(reason);
    return was && `model-${was.slice(0, 6)}`;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A signed announcement of a model whose bytes are its version, and the fetch that serves them. */
function announce(version: string, issuedAt: number, key: SigningKey): Uint8Array {
  const bytes = Buffer.from(version);
  const a = signAnnouncement({ kind: 'telemetry', version, sha256: sha256(bytes), size: bytes.byteLength, url: `http://core/models/${version}` }, ref, issuedAt, key);
  return Buffer.from(JSON.stringify(a));
}

const serve: typeof fetch = async (input) => new Response(Buffer.from(String(input).split('/').pop()!));

function withdraw(issuedAt: number, key: SigningKey): Uint8Array {
  return Buffer.from(JSON.stringify(signModelWithdrawal({ kind: 'telemetry', reason: 'reset on the core' }, ref, issuedAt, key)));
}

test('a signed withdrawal removes the telemetry model; a forged or replayed one is refused, and a later fit installs again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-sync-client-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const core = generateSigningKey();
  const store = new FakeInstaller();
  const options = { store, ref, trustedKeys: parsePublicKeys(publicKeyText(core)), watermarksFile: join(dir, 'marks.json'), logger, fetch: serve };
  const client = new ModelSyncClient(options);
  await client.start();
  await client.onAnnouncement(announce('fit-1', 1_000, core));
  assert.equal(store.running, sha256(Buffer.from('fit-1')));

  // Anybody on the broker could publish this: signed by a key the agent does not trust.
  const attacker = generateSigningKey();
  await client.onAnnouncement(withdraw(5_000, attacker));
  assert.equal(store.running, sha256(Buffer.from('fit-1')), 'a forged withdrawal leaves the model running');
  assert.match(client.errors()['telemetry'] ?? '', new RegExp(`^withdrawal: refused: signed by unknown key ${attacker.keyId}`));
  // Re-targeted: a genuine withdrawal for another device.
  const other = signModelWithdrawal({ kind: 'telemetry', reason: 'reset on the core' }, { site: 'plant-1', device: 'pump-8' }, 5_000, core);
  await client.onAnnouncement(Buffer.from(JSON.stringify(other)));
  assert.equal(store.withdrawals.length, 0);

  await client.onAnnouncement(withdraw(2_000, core));
  assert.equal(store.running, undefined, 'the genuine withdrawal removes it');
  assert.deepEqual(store.withdrawals, ['reset on the core']);
  assert.match(client.withdrawn()['telemetry'] ?? '', /withdrawn by the core \(reset on the core\)/);
  assert.equal(client.errors()['telemetry'], undefined);

  // The old announcement replayed to bring the model back is older than the withdrawal.
  await client.onAnnouncement(announce('fit-1', 1_000, core));
  assert.equal(store.running, undefined);
  assert.match(client.errors()['telemetry'] ?? '', /a replay\?/);

  // The device enrolled again: the new fit is accepted, and the status forgets the withdrawal.
  await client.onAnnouncement(announce('fit-2', 3_000, core));
  assert.equal(store.running, sha256(Buffer.from('fit-2')));
  assert.deepEqual(client.withdrawn(), {});

  // The earlier withdrawal replayed against the new model, also after a reboot (watermarks on disk).
  await client.onAnnouncement(withdraw(2_000, core));
  const rebooted = new ModelSyncClient(options);
  await rebooted.start();
  await rebooted.onAnnouncement(withdraw(2_000, core));
  assert.equal(store.running, sha256(Buffer.from('fit-2')), 'a replayed withdrawal does not remove the newer model');
  assert.deepEqual(store.withdrawals, ['reset on the core']);
  assert.match(rebooted.errors()['telemetry'] ?? '', /^withdrawal: refused: .*a replay\?/);
});

test('an agent running no telemetry model ignores withdrawals it cannot verify, without a status error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pm-sync-client-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new FakeInstaller();
  const client = new ModelSyncClient({ store, ref, trustedKeys: [], watermarksFile: join(dir, 'marks.json'), logger, fetch: serve });
  await client.start();
  await client.onAnnouncement(withdraw(1_000, generateSigningKey()));
  assert.deepEqual([client.errors(), client.withdrawn(), store.withdrawals], [{}, {}, []]);
});
