import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The outbound guard: HTTP jobs may call the internet, not the network they run in. An address
 * passes only when ipaddr.js (which follows the IANA special-purpose registries) calls it plain
 * `unicast`; every special-purpose range is refused: loopback, private, shared, link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), documentation, benchmarking, multicast, reserved,
 * anycast service addresses. IPv6 must also lie in 2000::/3, the only space IANA allocates as
 * global unicast (so IPv4-compatible ::/96, site-local fec0::/10 and other unallocated space are
 * refused). IPv4 carried in IPv6 (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as the
 * IPv4 address it reaches. Allow-listed hosts (HTTP_JOBS_ALLOW_HOSTS) are exempt.
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** RFC 6052's well-known prefix; its sibling 64:ff9b:1::/48 is for local use and stays refused. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

function isGlobalIpv4(address: ipaddr.IPv4): boolean {
  return address.range() === 'unicast';
}

/** The IPv4 address an IPv6 address hands the packet to, for the forms that embed one. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
  const range = address.range();
  if (range === 'ipv4Mapped') return address.toIPv4Address();
  if (range === 'rfc6052' && address.match(NAT64_WELL_KNOWN)) return fromWords(parts[6], parts[7]);
  if (range === '6to4') return fromWords(parts[1], parts[2]);
  return undefined;
}

/** True when the text is an IP address literal that jobs may not call. Host names are judged after DNS. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return false;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv4') return !isGlobalIpv4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const inner = embeddedIpv4(v6);
  if (inner) return !isGlobalIpv4(inner);
  return !(v6.range() === 'unicast' && v6.match(GLOBAL_UNICAST_V6));
}

/**
 * HTTP_JOBS_ALLOW_HOSTS, a comma list of host names or addresses (any port), or origins such as
 * `http://127.0.0.1:3000` (that scheme, host and port only; local mode allows its echo target so).
 */
export function parseAllowHosts(raw: string | undefined): Set<string> {
  return new Set(
    (raw ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => (entry.includes('://') ? originOf(entry) : entry.toLowerCase().replace(/^\[|\]$/g, ''))),
  );
}

/** An entry that is no URL keeps its text, which no origin equals: it allows nothing. */
function originOf(entry: string): string {
  try {
    return new URL(entry).origin;
  } catch {
    return entry;
  }
}

/** The URL's host, or its exact origin, is on the allow list. */
export function isAllowListed(url: URL, allowHosts: ReadonlySet<string>): boolean {
  return allowHosts.has(url.origin) || allowHosts.has(url.hostname.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** The variable that lifts the guard for a host: named in every refusal, since it is read only at start. */
export const ALLOW_HOSTS_VARIABLE = 'HTTP_JOBS_ALLOW_HOSTS';

export const FORBIDDEN_ADDRESS =
  'points to a loopback, private, link-local or metadata address, or another special-purpose range (not global unicast); ' +
  `to let HTTP jobs call it, list its host in ${ALLOW_HOSTS_VARIABLE} (read only at start: restart npm start after setting it)`;

/** At creation: only what the URL itself says (an address literal), never DNS, which can change before the run. */
export function literalAddressProblem(url: URL, allowHosts: ReadonlySet<string> = new Set()): string | undefined {
  if (isAllowListed(url, allowHosts)) return undefined;
  return isForbiddenAddress(url.hostname) ? FORBIDDEN_ADDRESS : undefined;
}
