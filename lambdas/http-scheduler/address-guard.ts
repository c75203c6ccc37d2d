import { BlockList, isIP } from 'node:net';

/**
 * The outbound guard: HTTP jobs may call the internet, not the network they run in. Loopback,
 * private, shared, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), multicast and
 * reserved ranges are refused unless the host is allow-listed (HTTP_JOBS_ALLOW_HOSTS).
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** IPv4 carried inside IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`) is judged as the IPv4 it is. */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const version = isIP(bare);
  if (version === 4) return blocked.check(bare, 'ipv4');
  if (version !== 6) return false;
  const inner = embeddedIpv4(bare);
  return inner ? blocked.check(inner, 'ipv4') : blocked.check(bare, 'ipv6');
}

/** HTTP_JOBS_ALLOW_HOSTS, a comma list of host names or addresses, lower-cased. */
export function parseAllowHosts(raw: string | undefined): Set<string> {
  return new Set(
    (raw ?? '')
      .split(',')
      .map((host) =>
        host
          .trim()
          .toLowerCase()
          .replace(/^\[|\]$/g, ''),
      )
      .filter(Boolean),
  );
}

export function isAllowListed(hostname: string, allowHosts: ReadonlySet<string>): boolean {
  return allowHosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, ''));
}

export const FORBIDDEN_ADDRESS = 'points to a loopback, private, link-local or metadata address';

/** At creation: only what the URL itself says (an address literal), never DNS, which can change before the run. */
export function literalAddressProblem(
  hostname: string,
  allowHosts: ReadonlySet<string> = new Set(),
): string | undefined {
  if (isAllowListed(hostname, allowHosts)) return undefined;
  return isForbiddenAddress(hostname) ? FORBIDDEN_ADDRESS : undefined;
}
