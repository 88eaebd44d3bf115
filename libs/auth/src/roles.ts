import type { Permission } from '@premonitor/http';

/** The roles, least powerful first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do beyond its `read:` permissions. The operator runs the plant (acknowledges
 * and resolves alerts, uploads samples to score, enrolls and resets baselines); the admin also
 * changes what the system is (models, rules, users, tokens, notification replays).
 */
const OPERATOR_EXTRA: readonly Permission[] = ['admin:baselines'];

/** True when `role` grants `permission`. */
export function roleGrants(role: Role, permission: Permission): boolean {
  if (role === 'admin') return true;
  if (permission.startsWith('read:')) return true;
  if (role === 'operator') return permission.startsWith('write:') || OPERATOR_EXTRA.includes(permission);
  return false;
}

/** The lower of two roles: a token never grants more than its user holds. */
export function lowerRole(a: Role, b: Role): Role {
  return ROLES[Math.min(ROLES.indexOf(a), ROLES.indexOf(b))]!;
}
