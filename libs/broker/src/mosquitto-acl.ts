import { TOPIC_ROOT } from '@premonitor/contracts';
import { devicePublishTopics, deviceSubscribeFilters } from './device-grants.js';
import type { ServiceRole } from './principal.js';
import { SERVICE_GRANTS } from './service-grants.js';

/**
 * The Mosquitto `acl_file` rules for the same grants the embedded broker enforces, so the
 * two brokers cannot drift apart: `mosquitto/acl` (device listeners) holds the device
 * patterns and `mosquitto/acl-core` (core listener) one `user` block per core account.
 */

const PLACEHOLDER = { site: 'site', device: 'device' };
const PLACEHOLDER_ROOT = `${TOPIC_ROOT}/${PLACEHOLDER.site}/${PLACEHOLDER.device}/`;

/** `%u` is the username `{site}/{device}`: it fills exactly the device's two topic levels. */
function asPattern(topic: string): string {
  if (!topic.startsWith(PLACEHOLDER_ROOT)) throw new Error(`device grant ${topic} is not under the device's own topics`);
  return `${TOPIC_ROOT}/%u/${topic.slice(PLACEHOLDER_ROOT.length)}`;
}

/** The `pattern` lines of the device ACL. */
export function mosquittoDevicePatterns(): string[] {
  return [
    ...devicePublishTopics(PLACEHOLDER).map((t) => `pattern write ${asPattern(t)}`),
    ...deviceSubscribeFilters(PLACEHOLDER).map((f) => `pattern read ${asPattern(f)}`),
  ];
}

/** The `user` block of one core account: `user NAME` and its `topic read|write|readwrite` lines. */
export function mosquittoUserBlock(username: string, role: ServiceRole): string[] {
  const { publish, read } = SERVICE_GRANTS[role];
  const filters = [...new Set([...publish, ...read])];
  const access = (f: string) => (publish.includes(f) && read.includes(f) ? 'readwrite' : publish.includes(f) ? 'write' : 'read');
  return [`user ${username}`, ...filters.map((f) => `topic ${access(f)} ${f}`)];
}

const USER_LINE = /^user\s+(\S+)\s*$/;

/** `text` without the block of `username` (its `user` line and the `topic` and blank lines after it). */
export function removeUserBlock(text: string, username: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const user = USER_LINE.exec(line);
    if (user) skipping = user[1] === username;
    else if (skipping && !/^\s*(topic\s.*)?$/.test(line)) skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/** `text` with the block of `username` replaced by the one for `role` (appended at the end). */
export function upsertUserBlock(text: string, username: string, role: ServiceRole): string {
  const rest = removeUserBlock(text, username).replace(/\n+$/, '');
  return `${rest}${rest ? '\n\n' : ''}${mosquittoUserBlock(username, role).join('\n')}\n`;
}

/** The rule lines of an ACL file (no comments, no blank lines, single spaces), for comparing files with generated rules. */
export function aclRuleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('#'));
}
