import { isIP } from 'node:net';

/**
 * IPv4 ranges a webhook must not reach (RFC 6890 special-purpose registry, plus multicast and
 * reserved space). Each entry: first address, prefix length, why.
 */
const IPV4_BLOCKED: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (and broadcast)'],
];

/**
 * IPv6 ranges refused outright. The transition forms that carry an IPv4 address are refused
 * whatever that address is: 6to4 and Teredo are deprecated relays no webhook host uses, and
 * their embedded address (Teredo's is even obfuscated) reaches networks this guard cannot see.
 * The well-known NAT64 prefix and IPv4-mapped addresses are not here: they are judged by the
 * IPv4 address they embed (see `embeddedIPv4`), so an IPv6-only host behind DNS64 still reaches
 * public webhooks.
 */
const IPV6_BLOCKED: ReadonlyArray<readonly [string, number, string]> = [
  ['::', 96, 'unspecified, loopback and IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0', 96, 'IPv4-translated (SIIT)'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (Teredo 2001::/32, ORCHID, benchmarking)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'segment routing (SRv6) SIDs'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

/**
 * Why `address` is not a public unicast address a webhook may reach, or undefined when it is.
 * Anything that is not an IP address is refused.
 */
export function nonPublicReason(address: string): string | undefined {
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return ipv4Reason(parseIPv4(bare));
  if (family !== 6) return 'not an IP address';
  const groups = parseIPv6(bare);
  const embedded = embeddedIPv4(groups);
  if (embedded !== undefined) {
    const reason = ipv4Reason(embedded.address);
    return reason && `${embedded.form} of a ${reason} address`;
  }
  for (const [net, prefix, why] of IPV6_BLOCKED) {
    if (prefixMatches(groups, parseIPv6(net), prefix)) return why;
  }
  return undefined;
}

/** True for addresses a webhook must not reach by default (IPv4, IPv6 and IPv4 embedded in IPv6). */
export function isNonPublicAddress(address: string): boolean {
  return nonPublicReason(address) !== undefined;
}

function ipv4Reason(address: number): string | undefined {
  for (const [net, prefix, why] of IPV4_BLOCKED) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if (((address & mask) >>> 0) === ((parseIPv4(net) & mask) >>> 0)) return why;
  }
  return undefined;
}

/** IPv4-mapped (`::ffff:a.b.c.d`) and well-known NAT64 (`64:ff9b::a.b.c.d`) carry a routable IPv4 address. */
function embeddedIPv4(groups: readonly number[]): { address: number; form: string } | undefined {
  const last32 = (((groups[6]! << 16) | groups[7]!) >>> 0);
  const head = groups.slice(0, 6);
  if (head.slice(0, 5).every((g) => g === 0) && head[5] === 0xffff) return { address: last32, form: 'IPv4-mapped form' };
  if (groups[0] === 0x64 && groups[1] === 0xff9b && head.slice(2).every((g) => g === 0)) return { address: last32, form: 'NAT64 form' };
  return undefined;
}

function prefixMatches(groups: readonly number[], net: readonly number[], prefix: number): boolean {
  for (let i = 0, bits = prefix; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((groups[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

function parseIPv4(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** Eight 16-bit groups of a valid IPv6 address (`isIP` checked it), dotted-quad tail included. */
function parseIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIPv4(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [left, right] = text.includes('::') ? text.split('::') : [text, undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const fill = right === undefined ? [] : Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...fill, ...tail].map((g) => parseInt(g, 16));
}
