import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { UnsafeUrlError } from './errors.js';
import { isNonPublicAddress, nonPublicReason } from './non-public-address.js';

/** Where webhooks may point. Both default to false; tests with a local receiver set them. */
export interface NetworkPolicy {
  /** Allow loopback, private, link-local and other non-public addresses. */
  readonly allowPrivateNetworks: boolean;
  /** Allow `http:` URLs (otherwise only `https:`). */
  readonly allowHttp: boolean;
}

/** `dns.lookup` with `all: true`, injectable so specs need no resolver. */
export type ResolveAll = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The hostname as `isIP` understands it (URL keeps IPv6 literals in brackets). */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks what can be checked without the network: scheme, no credentials in the URL, and —
 * for IP literals — the address. Returns the problem, or undefined when the URL is acceptable.
 */
export function urlShapeProblem(raw: string, policy: NetworkPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL (http only with allowHttp)';
  }
  if (url.username || url.password) return 'must not carry credentials';
  const host = bareHost(url);
  if (!policy.allowPrivateNetworks && (host === 'localhost' || host.endsWith('.localhost'))) return 'points at localhost';
  const reason = !policy.allowPrivateNetworks && isIP(host) ? nonPublicReason(host) : undefined;
  if (reason) return `points at the non-public address ${host} (${reason})`;
  return undefined;
}

export const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true } satisfies LookupAllOptions, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * Resolves the URL's host and refuses it when any address is non-public: an attacker who
 * controls DNS could otherwise hide one private address among public ones.
 */
export async function assertPublicUrl(raw: string, policy: NetworkPolicy, resolve: ResolveAll = resolveAll): Promise<void> {
  const shape = urlShapeProblem(raw, policy);
  if (shape) throw new UnsafeUrlError(raw, shape);
  if (policy.allowPrivateNetworks) return;
  const host = bareHost(new URL(raw));
  if (isIP(host)) return;
  const addresses = await resolve(host);
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad) throw new UnsafeUrlError(raw, `${host} resolves to the non-public address ${bad.address} (${nonPublicReason(bad.address)})`);
}

/**
 * A `lookup` for `http.request` that checks every resolved address at connect time, so a DNS
 * answer that changes after start-up (rebinding) still cannot reach a private address.
 */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as LookupAddress[];
      const bad = policy.allowPrivateNetworks ? undefined : list.find((a) => isNonPublicAddress(a.address));
      if (bad) return callback(new UnsafeUrlError(hostname, `${hostname} resolves to the non-public address ${bad.address}`) as NodeJS.ErrnoException, '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
      callback(null, first.address, first.family);
    });
  };
}
