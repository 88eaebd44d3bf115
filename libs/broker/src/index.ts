export { EmbeddedBroker, type EmbeddedBrokerOptions, type EmbeddedBrokerTls } from './embedded-broker.js';
export type { EmbeddedBrokerJournal } from './broker-journal.js';
export { PublishJournal, type JournalRecord, type PublishJournalOptions } from './publish-journal.js';
export type { BrokerLogger, BrokerMetrics, ConnectRefusalReason } from './broker-metrics.js';
export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './broker-limits.js';
export { DEFAULT_LOGIN_THROTTLE, LoginThrottle, type LoginThrottleOptions, type Lockout, type ThrottleKey } from './login-throttle.js';
export { PacketSizeGuard, type PacketRefusal } from './packet-size-guard.js';
export {
  CredentialStore,
  MIN_PASSWORD_LENGTH,
  generatePassword,
  type CredentialStoreOptions,
  type DeviceCredential,
  type ServiceCredential,
} from './credential-store.js';
export { mayPublish, maySubscribe, mayReceive, mayRetain, type AclDecision } from './access-control.js';
export { devicePublishTopics, deviceSubscribeFilters, deviceRetainTopics } from './device-grants.js';
export { SERVICE_GRANTS, type ServiceGrants } from './service-grants.js';
export { bindClientId, type ClientIdDecision } from './client-identity.js';
export { mosquittoDevicePatterns, mosquittoUserBlock, upsertUserBlock, removeUserBlock, aclRuleLines } from './mosquitto-acl.js';
export {
  deviceUsername,
  parseDeviceUsername,
  isValidServiceUsername,
  SERVICE_ROLES,
  RETIRED_CORE_ROLE,
  type Principal,
  type ServiceRole,
} from './principal.js';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password-hash.js';
export { filterCovers, topicMatchesFilter, isValidTopicFilter, isValidTopicName, compileFilters } from './topic-filter.js';
export { PortInUseError, CredentialFileError, DuplicateCredentialError, PasswordHashFormatError, WeakPasswordError } from './broker-errors.js';
