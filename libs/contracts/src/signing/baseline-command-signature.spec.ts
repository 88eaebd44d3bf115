import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineCommand } from '../messages.js';
import { signAnnouncement } from './announcement-signature.js';
import { signBaselineCommand, verifyBaselineCommand } from './baseline-command-signature.js';
import { generateSigningKey, parsePublicKeys, publicKeyText } from './ed25519-keys.js';

const ref = { site: 'plant-1', device: 'cam-3' };

test('a signed baseline command verifies for its device and passes the schema; altered, re-targeted or foreign ones are refused', () => {
  const key = generateSigningKey();
  const trusted = parsePublicKeys(publicKeyText(key));
  const signed = signBaselineCommand({ kind: 'thermal', action: 'faulty' }, ref, 1_700_000_000_000, key);
  assert.ok(baselineCommand.safeParse(signed).success, 'the wire form follows the message schema');
  assert.deepEqual(verifyBaselineCommand(signed, ref, trusted), { ok: true, keyId: key.keyId });
  const reason = (v: ReturnType<typeof verifyBaselineCommand>) => (v.ok ? 'accepted' : v.reason);
  assert.match(reason(verifyBaselineCommand({ ...signed, action: 'reset' }, ref, trusted)), /bad signature/);
  assert.match(reason(verifyBaselineCommand({ ...signed, kind: 'acoustic' }, ref, trusted)), /bad signature/);
  assert.match(reason(verifyBaselineCommand({ ...signed, issuedAt: signed.issuedAt + 1 }, ref, trusted)), /bad signature/, 'issuedAt is covered');
  assert.match(reason(verifyBaselineCommand(signed, { site: 'plant-1', device: 'cam-4' }, trusted)), /another device/);
  assert.match(reason(verifyBaselineCommand(signBaselineCommand({ kind: 'thermal', action: 'faulty' }, ref, 1, generateSigningKey()), ref, trusted)), /unknown key/);
  assert.match(reason(verifyBaselineCommand(signed, ref, [])), /no model public key/);
});

test('a model announcement signature does not pass for a baseline command (separate domains)', () => {
  const key = generateSigningKey();
  const announcement = signAnnouncement({ kind: 'thermal', version: 'v', sha256: 'a'.repeat(64), size: 1, url: 'http://core/x' }, ref, 5, key);
  const forged = { kind: 'thermal' as const, action: 'faulty' as const, issuedAt: 5, keyId: key.keyId, signature: announcement.signature };
  assert.equal(verifyBaselineCommand(forged, ref, parsePublicKeys(publicKeyText(key))).ok, false);
});
