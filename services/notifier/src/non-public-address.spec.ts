import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNonPublicAddress, nonPublicReason } from './non-public-address.js';
import { assertPublicUrl, urlShapeProblem } from './url-guard.js';
import { UnsafeUrlError } from './errors.js';

/** [address, refused?, what it is] */
const TABLE: ReadonlyArray<readonly [string, boolean, string]> = [
  // IPv4
  ['0.0.0.0', true, 'this network'],
  ['0.1.2.3', true, 'this network /8'],
  ['10.0.0.1', true, 'private'],
  ['100.64.0.1', true, 'CGNAT low'],
  ['100.127.255.254', true, 'CGNAT high'],
  ['100.128.0.1', false, 'just above CGNAT'],
  ['127.0.0.1', true, 'loopback'],
  ['127.255.255.254', true, 'loopback /8'],
  ['169.254.169.254', true, 'cloud metadata'],
  ['172.16.0.1', true, 'private'],
  ['172.31.255.255', true, 'private high'],
  ['172.32.0.1', false, 'just above 172.16/12'],
  ['192.0.0.8', true, 'IETF protocol assignments'],
  ['192.0.2.10', true, 'TEST-NET-1'],
  ['192.88.99.1', true, '6to4 relay anycast'],
  ['192.168.1.1', true, 'private'],
  ['198.18.0.1', true, 'benchmarking'],
  ['198.51.100.7', true, 'TEST-NET-2'],
  ['203.0.113.9', true, 'TEST-NET-3'],
  ['224.0.0.1', true, 'multicast'],
  ['239.255.255.250', true, 'multicast SSDP'],
  ['240.0.0.1', true, 'reserved'],
  ['255.255.255.255', true, 'broadcast'],
  ['8.8.8.8', false, 'public'],
  ['93.184.216.34', false, 'public'],
  // IPv6 plain
  ['::', true, 'unspecified'],
  ['::1', true, 'loopback'],
  ['fe80::1', true, 'link-local'],
  ['febf:ffff::1', true, 'link-local high'],
  ['fec0::1', true, 'site-local'],
  ['fd12:3456::1', true, 'unique local'],
  ['fc00::1', true, 'unique local fc'],
  ['ff02::1', true, 'multicast'],
  ['100::1', true, 'discard-only'],
  ['2001:db8::1', true, 'documentation'],
  ['3fff::1', true, 'documentation (RFC 9637)'],
  ['5f00::1', true, 'SRv6'],
  ['2606:4700::1111', false, 'public (Cloudflare)'],
  ['2a00:1450:4001:81c::200e', false, 'public (Google)'],
  // IPv4 embedded in IPv6
  ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback, dotted'],
  ['::ffff:7f00:1', true, 'IPv4-mapped loopback, hex'],
  ['0:0:0:0:0:ffff:a9fe:a9fe', true, 'IPv4-mapped metadata, long form'],
  ['::ffff:10.1.2.3', true, 'IPv4-mapped private'],
  ['::ffff:8.8.8.8', false, 'IPv4-mapped public'],
  ['::127.0.0.1', true, 'IPv4-compatible (deprecated)'],
  ['::8.8.8.8', true, 'IPv4-compatible is refused even for a public address'],
  ['::ffff:0:127.0.0.1', true, 'IPv4-translated (SIIT)'],
  ['64:ff9b::127.0.0.1', true, 'NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', true, 'NAT64 of metadata, hex'],
  ['64:ff9b::c0a8:101', true, 'NAT64 of private'],
  ['64:ff9b::808:808', false, 'NAT64 of a public address (IPv6-only host behind DNS64)'],
  ['64:ff9b:1::8.8.8.8', true, 'local-use NAT64 is refused always'],
  ['2002:7f00:1::1', true, '6to4 of loopback'],
  ['2002:808:808::1', true, '6to4 is refused even for a public address'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true, 'Teredo'],
  ['2001:20::1', true, 'ORCHIDv2'],
  // Not an address at all
  ['hooks.slack.com', true, 'a name is never accepted as an address'],
];

for (const [address, refused, what] of TABLE) {
  test(`${refused ? 'refuses' : 'allows'} ${address} (${what})`, () => {
    assert.equal(isNonPublicAddress(address), refused, nonPublicReason(address) ?? 'public');
  });
}

test('a refused literal URL says why, and names only scheme and host', () => {
  const policy = { allowPrivateNetworks: false, allowHttp: false };
  assert.match(urlShapeProblem('https://[64:ff9b::7f00:1]/hook', policy) ?? '', /NAT64 form of a loopback address/);
  assert.match(urlShapeProblem('https://[2002:c0a8:101::1]/x', policy) ?? '', /6to4/);
  assert.equal(urlShapeProblem('https://[2606:4700::1111]/x', policy), undefined);
});

test('UnsafeUrlError carries only the origin of a webhook URL, never its token', async () => {
  const token = 'T0AAAAAAA/B0BBBBBBB/very-secret-token';
  const resolve = async () => [{ address: '10.1.2.3', family: 4 }];
  const err = await assertPublicUrl(`https://hooks.slack.example/services/${token}`, { allowPrivateNetworks: false, allowHttp: false }, resolve).then(
    () => assert.fail('expected UnsafeUrlError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnsafeUrlError);
  assert.equal(err.origin, 'https://hooks.slack.example');
  assert.match(err.message, /refusing to call https:\/\/hooks\.slack\.example: hooks\.slack\.example resolves to the non-public address 10\.1\.2\.3 \(private\)/);
  assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes('very-secret-token'));
});
