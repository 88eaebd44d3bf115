import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelWithdrawal } from '../messages.js';
import { signAnnouncement } from './announcement-signature.js';
import { signModelWithdrawal, verifyModelWithdrawal } from './model-withdrawal-signature.js';
import { generateSigningKey, parsePublicKeys, publicKeyText } from './ed25519-keys.js';

const ref = { site: 'plant-1', device: 'pump-7' };

test('a signed withdrawal verifies for its device and passes the schema; altered, re-targeted or foreign ones are refused', () => {
  const key = generateSigningKey();
  const trusted = parsePublicKeys(publicKeyText(key));
  const signed = signModelWithdrawal({ kind: 'telemetry', reason: 'reset on the core' }, ref, 1_700_000_000_000, key);
  assert.ok(modelWithdrawal.safeParse(signed).success, 'the wire form follows the message schema');
  assert.deepEqual(verifyModelWithdrawal(signed, ref, trusted), { ok: true, keyId: key.keyId, issuedAt: 1_700_000_000_000 });
  const reason = (v: ReturnType<typeof verifyModelWithdrawal>) => (v.ok ? 'accepted' : v.reason);
  assert.match(reason(verifyModelWithdrawal({ ...signed, reason: 'something else' }, ref, trusted)), /bad signature/);
  assert.match(reason(verifyModelWithdrawal({ ...signed, issuedAt: signed.issuedAt + 1 }, ref, trusted)), /bad signature/, 'issuedAt is covered');
  assert.match(reason(verifyModelWithdrawal(signed, { site: 'plant-1', device: 'pump-8' }, trusted)), /another device/);
  assert.match(reason(verifyModelWithdrawal(signModelWithdrawal({ kind: 'telemetry', reason: 'x' }, ref, 1, generateSigningKey()), ref, trusted)), /unknown key/);
  assert.match(reason(verifyModelWithdrawal(signed, ref, [])), /no model public key/);
});

test('an announcement signature does not pass for a withdrawal (separate domains)', () => {
  const key = generateSigningKey();
  const announcement = signAnnouncement({ kind: 'telemetry', version: 'v', sha256: 'a'.repeat(64), size: 1, url: 'http://core/x' }, ref, 5, key);
  const forged = { kind: 'telemetry' as const, withdrawn: true as const, reason: 'v', issuedAt: 5, keyId: key.keyId, signature: announcement.signature };
  assert.equal(verifyModelWithdrawal(forged, ref, parsePublicKeys(publicKeyText(key))).ok, false);
});
