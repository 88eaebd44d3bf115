import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { modelAnnouncement } from '../messages.js';
import { signAnnouncement, verifyAnnouncement, type UnsignedAnnouncement } from './announcement-signature.js';
import { SigningKeyError, generateSigningKey, parsePublicKeys, publicKeyText, signingKeyFromPem, signingKeyToPem } from './ed25519-keys.js';

const ref = { site: 'plant-1', device: 'pump-7' };
const unsigned: UnsignedAnnouncement = { kind: 'acoustic', version: 'a-2', sha256: 'a'.repeat(64), size: 1234, url: 'http://core:8090/api/v1/models/acoustic/artifact/' + 'a'.repeat(64) };

test('a signed announcement verifies for its device with the public key, and passes the schema', () => {
  const key = generateSigningKey();
  const signed = signAnnouncement(unsigned, ref, 1_700_000_000_000, key);
  assert.ok(modelAnnouncement.safeParse(signed).success, 'the wire form follows the message schema');
  assert.deepEqual(verifyAnnouncement(signed, ref, parsePublicKeys(publicKeyText(key))), { ok: true, keyId: key.keyId, issuedAt: 1_700_000_000_000 });
});

test('refuses unsigned, altered, re-targeted and foreign-key announcements, saying which', () => {
  const key = generateSigningKey();
  const other = generateSigningKey();
  const trusted = parsePublicKeys(publicKeyText(key));
  const signed = signAnnouncement(unsigned, ref, 1_700_000_000_000, key);
  const reason = (v: ReturnType<typeof verifyAnnouncement>) => (v.ok ? 'accepted' : v.reason);
  assert.match(reason(verifyAnnouncement(unsigned, ref, trusted)), /unsigned/);
  assert.match(reason(verifyAnnouncement({ ...signed, sha256: 'b'.repeat(64) }, ref, trusted)), /bad signature/);
  assert.match(reason(verifyAnnouncement({ ...signed, issuedAt: signed.issuedAt + 1 }, ref, trusted)), /bad signature/, 'issuedAt is covered');
  assert.match(reason(verifyAnnouncement(signed, { site: 'plant-1', device: 'pump-8' }, trusted)), /bad signature/, 'meant for another device');
  // A forged announcement: a valid sha256 and size, signed by a key the agent does not trust.
  const forged = signAnnouncement(unsigned, ref, 1_700_000_000_001, other);
  assert.match(reason(verifyAnnouncement(forged, ref, trusted)), new RegExp(`unknown key ${other.keyId}`));
  assert.match(reason(verifyAnnouncement({ ...forged, keyId: key.keyId }, ref, trusted)), /bad signature/, 'claiming a trusted key id does not help');
  assert.match(reason(verifyAnnouncement(signed, ref, [])), /no model public key is configured/);
});

test('key rotation: a list of public keys accepts announcements from any of them', () => {
  const oldKey = generateSigningKey();
  const newKey = generateSigningKey();
  const trusted = parsePublicKeys(`${publicKeyText(newKey)}, ${publicKeyText(oldKey)}`);
  assert.deepEqual(trusted.map((k) => k.keyId), [newKey.keyId, oldKey.keyId]);
  for (const key of [oldKey, newKey]) assert.equal(verifyAnnouncement(signAnnouncement(unsigned, ref, 1, key), ref, trusted).ok, true);
});

test('keys round-trip through PEM, public keys also parse as PEM, and wrong material is refused', () => {
  const key = generateSigningKey();
  const back = signingKeyFromPem(signingKeyToPem(key));
  assert.equal(back.keyId, key.keyId);
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(parsePublicKeys(pem).map((k) => k.keyId), [key.keyId]);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.throws(() => signingKeyFromPem(rsa), (e: unknown) => e instanceof SigningKeyError && /rsa key/.test(e.message));
  assert.throws(() => signingKeyFromPem('not a key'), (e: unknown) => e instanceof SigningKeyError && !e.message.includes('not a key'), 'the message never echoes key material');
  assert.throws(() => parsePublicKeys('AAAA'), SigningKeyError);
});
