// Public door of @premonitor/contracts/signing: Ed25519 keys and the signature of model
// announcements (core signs, agents verify). A subpath of its own because it needs node:crypto,
// which the message schemas in the main entry do not.
export { SigningKeyError, generateSigningKey, keyIdOf, parsePublicKeys, publicKeyText, signingKeyFromPem, signingKeyToPem } from './ed25519-keys.js';
export type { SigningKey, TrustedKey } from './ed25519-keys.js';
export { announcementSigningBytes, signAnnouncement, verifyAnnouncement } from './announcement-signature.js';
export type { AnnouncementVerdict, SignedAnnouncement, UnsignedAnnouncement } from './announcement-signature.js';
export { signBaselineCommand, verifyBaselineCommand } from './baseline-command-signature.js';
export type { BaselineCommandVerdict, UnsignedBaselineCommand } from './baseline-command-signature.js';
export { signModelWithdrawal, verifyModelWithdrawal } from './model-withdrawal-signature.js';
export type { UnsignedModelWithdrawal } from './model-withdrawal-signature.js';
