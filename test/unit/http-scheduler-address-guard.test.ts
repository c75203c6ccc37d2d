import { isForbiddenAddress, literalAddressProblem, parseAllowHosts } from '../../lambdas/http-scheduler/address-guard';

/**
 * Every entry of the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry, as of 2025),
 * with its "Globally Reachable" column, plus the ranges outside them that are still not global
 * unicast (multicast, deprecated site-local, IPv4-compatible). For each block the first and last
 * address and one inside are tried. Only globally reachable unicast may pass; the guard is
 * stricter still and refuses the anycast service blocks too (no HTTP job targets them), so every
 * special-purpose block is refused except the translation prefixes, which are judged by the IPv4
 * address they carry (see the embedded-address cases below).
 */
type Reachable = 'True' | 'False' | 'N/A';
const IPV4_SPECIAL: [block: string, name: string, globallyReachable: Reachable][] = [
  ['0.0.0.0/8', '"This network"', 'False'],
  ['0.0.0.0/32', '"This host on this network"', 'False'],
  ['10.0.0.0/8', 'Private-Use', 'False'],
  ['100.64.0.0/10', 'Shared Address Space', 'False'],
  ['127.0.0.0/8', 'Loopback', 'False'],
  ['169.254.0.0/16', 'Link Local', 'False'],
  ['172.16.0.0/12', 'Private-Use', 'False'],
  ['192.0.0.0/24', 'IETF Protocol Assignments', 'False'],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'False'],
  ['192.0.0.8/32', 'IPv4 dummy address', 'False'],
  ['192.0.0.9/32', 'Port Control Protocol Anycast', 'True'],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'True'],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery', 'False'],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery', 'False'],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)', 'False'],
  ['192.31.196.0/24', 'AS112-v4', 'True'],
  ['192.52.193.0/24', 'AMT', 'True'],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'N/A'],
  ['192.168.0.0/16', 'Private-Use', 'False'],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service', 'True'],
  ['198.18.0.0/15', 'Benchmarking', 'False'],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)', 'False'],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)', 'False'],
  ['240.0.0.0/4', 'Reserved', 'False'],
  ['255.255.255.255/32', 'Limited Broadcast', 'False'],
];
const IPV6_SPECIAL: [block: string, name: string, globallyReachable: Reachable][] = [
  ['::1/128', 'Loopback Address', 'False'],
  ['::/128', 'Unspecified Address', 'False'],
  ['::ffff:0:0/96', 'IPv4-mapped Address', 'False'],
  ['64:ff9b::/96', 'IPv4-IPv6 Translat.', 'True'],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat. (local use)', 'False'],
  ['100::/64', 'Discard-Only Address Block', 'False'],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix', 'False'],
  ['2001::/23', 'IETF Protocol Assignments', 'False'],
  ['2001::/32', 'TEREDO', 'N/A'],
  ['2001:1::1/128', 'Port Control Protocol Anycast', 'True'],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'True'],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'True'],
  ['2001:2::/48', 'Benchmarking', 'False'],
  ['2001:3::/32', 'AMT', 'True'],
  ['2001:4:112::/48', 'AS112-v6', 'True'],
  ['2001:10::/28', 'Deprecated (previously ORCHID)', 'N/A'],
  ['2001:20::/28', 'ORCHIDv2', 'True'],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'True'],
  ['2001:db8::/32', 'Documentation', 'False'],
  ['2002::/16', '6to4', 'N/A'],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'True'],
  ['3fff::/20', 'Documentation', 'False'],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs', 'False'],
  ['fc00::/7', 'Unique-Local', 'False'],
  ['fe80::/10', 'Link-Local Unicast', 'False'],
];
/** Not in the special-purpose registries, and not global unicast either. */
const OTHER_NOT_GLOBAL: [block: string, name: string][] = [
  ['224.0.0.0/4', 'IPv4 multicast'],
  ['ff00::/8', 'IPv6 multicast'],
  ['fec0::/10', 'Site-local (deprecated, RFC 3879)'],
  ['::/96', 'IPv4-compatible (deprecated, RFC 4291)'],
  ['::ffff:0:0:0/96', 'IPv4-translated (RFC 6145)'],
  ['4000::/3', 'Unallocated IPv6 space outside 2000::/3'],
];
/** Judged by the IPv4 address they carry: refused with a private one inside, passed with a public one. */
const TRANSLATION_PREFIXES = new Set(['64:ff9b::/96', '2002::/16', '::ffff:0:0/96']);

function toBigInt(address: string, bits: 32 | 128): bigint {
  if (bits === 32) return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
  const [head, tail = ''] = address.split('::');
  const words = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - words(head).length - words(tail).length;
  const all = [...words(head), ...Array(address.includes('::') ? missing : 0).fill('0'), ...words(tail)];
  return all.reduce((value, word) => (value << 16n) | BigInt(Number.parseInt(word, 16)), 0n);
}

function fromBigInt(value: bigint, bits: 32 | 128): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, index) => ((value >> BigInt(112 - index * 16)) & 0xffffn).toString(16)).join(
    ':',
  );
}

/** The first, a middle and the last address of a CIDR block. */
function samples(block: string): string[] {
  const [network, prefix] = block.split('/');
  const bits = network.includes(':') ? 128 : 32;
  const size = 1n << BigInt(bits - Number(prefix));
  const first = toBigInt(network, bits);
  return [...new Set([first, first + size / 2n, first + size - 1n])].map((value) => fromBigInt(value, bits));
}

describe('outbound address guard', () => {
  const registryBlocks = [...IPV4_SPECIAL, ...IPV6_SPECIAL].filter(([block]) => !TRANSLATION_PREFIXES.has(block));

  it.each(registryBlocks)('refuses %s (%s; globally reachable: %s)', (block) => {
    for (const address of samples(block)) expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
  });

  it.each(OTHER_NOT_GLOBAL)('refuses %s (%s)', (block) => {
    for (const address of samples(block)) expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
  });

  it.each([
    ['IPv4-mapped', '::ffff:127.0.0.1', '::ffff:8.8.8.8'],
    ['IPv4-mapped, hex', '::ffff:7f00:1', '::ffff:808:808'],
    ['NAT64 well-known prefix', '64:ff9b::7f00:1', '64:ff9b::808:808'],
    ['NAT64 to a private address', '64:ff9b::a00:1', '64:ff9b::101:101'],
    ['6to4', '2002:7f00:1::', '2002:808:808::1'],
    ['6to4 to the metadata address', '2002:a9fe:a9fe::1', '2002:101:101::'],
  ])('judges %s by the IPv4 address it carries', (_form, refused, passed) => {
    expect(isForbiddenAddress(refused)).toBe(true);
    expect(isForbiddenAddress(passed)).toBe(false);
  });

  it.each([
    ['IPv4-compatible loopback', '::7f00:1'],
    ['IPv4-compatible, dotted', '::127.0.0.1'],
    ['local-use NAT64', '64:ff9b:1::7f00:1'],
    ['site-local', 'fec0::1'],
    ['documentation', '192.0.2.1'],
    ['the metadata address', '169.254.169.254'],
    ['the IPv6 metadata address', 'fd00:ec2::254'],
    ['a bracketed literal', '[::1]'],
    ['a zone id', 'fe80::1%eth0'],
  ])('refuses %s (%s)', (_what, address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:81a::200e'])(
    'lets the global unicast address %s through',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it('leaves host names to the check after DNS, and exempts allow-listed hosts', () => {
    expect(isForbiddenAddress('example.com')).toBe(false);
    expect(literalAddressProblem(new URL('http://127.0.0.1/'))).toMatch(/loopback/);
    expect(literalAddressProblem(new URL('http://127.0.0.1:8080/'), parseAllowHosts('127.0.0.1'))).toBeUndefined();
    expect(literalAddressProblem(new URL('http://[::1]/'), parseAllowHosts('[::1]'))).toBeUndefined();
  });

  it('exempts an allow-listed origin on its own port only, not the rest of its host', () => {
    const allowed = parseAllowHosts('http://127.0.0.1:3000/echo');

    expect([...allowed]).toEqual(['http://127.0.0.1:3000']);
    expect(literalAddressProblem(new URL('http://127.0.0.1:3000/echo'), allowed)).toBeUndefined();
    expect(literalAddressProblem(new URL('http://127.0.0.1:3001/echo'), allowed)).toMatch(/loopback/);
    expect(literalAddressProblem(new URL('https://127.0.0.1:3000/echo'), allowed)).toMatch(/loopback/);
    expect(literalAddressProblem(new URL('http://localhost:3000/echo'), allowed)).toBeUndefined(); // a name: judged after DNS
  });

  it('names HTTP_JOBS_ALLOW_HOSTS and the restart it needs in the refusal', () => {
    expect(literalAddressProblem(new URL('http://10.0.0.1/'))).toMatch(/HTTP_JOBS_ALLOW_HOSTS.*restart npm start/);
  });
});
