export { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker.js';
export type { BrokerLogger, BrokerMetrics } from './broker-metrics.js';
export {
  CredentialStore,
  MIN_PASSWORD_LENGTH,
  generatePassword,
  type CredentialStoreOptions,
  type DeviceCredential,
  type ServiceCredential,
} from './credential-store.js';
export { mayPublish, maySubscribe, devicePublishTopics, deviceSubscribeFilters, deviceCommandFilter, CORE_FILTER, type AclDecision } from './device-acl.js';
export { deviceUsername, parseDeviceUsername, isValidServiceUsername, SERVICE_ROLES, type Principal, type ServiceRole } from './principal.js';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password-hash.js';
export { filterCovers, topicMatchesFilter, isValidTopicFilter, isValidTopicName } from './topic-filter.js';
export { PortInUseError, CredentialFileError, DuplicateCredentialError, PasswordHashFormatError, WeakPasswordError } from './broker-errors.js';
