/**
 * Which URLs the media proxy may fetch. The proxy fetches on behalf of any enrolled device,
 * so every target (and every redirect hop) must pass: https on the default port, no
 * credentials, a DNS name on the sending provider's allowlist. IP literals are never
 * allowlisted; private, loopback, link-local and other non-public ones are named as such
 * so an operator reading logs sees an SSRF attempt for what it is.
 */
export type TargetRefusal = { readonly code: "invalid-source" | "private-address" | "host-not-allowed"; readonly message: string };

export type TargetCheck = { readonly ok: true; readonly url: URL } | ({ readonly ok: false } & TargetRefusal);

export function checkTarget(raw: string, base: URL | undefined, allowedHosts: readonly string[]): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return { ok: false, code: "invalid-source", message: "not a URL" };
  }
  if (url.protocol !== "https:") return { ok: false, code: "invalid-source", message: "media is fetched over https only" };
  if (url.username || url.password) return { ok: false, code: "invalid-source", message: "credentials in media URLs are refused" };
  if (url.port !== "") return { ok: false, code: "invalid-source", message: "media hosts are reached on the default https port only" };
  const host = url.hostname.replace(/\.$/, "");
  const refused = hostRefusal(host);
  if (refused) return { ok: false, ...refused };
  if (!allowedHosts.includes(host)) return { ok: false, code: "host-not-allowed", message: `${host} is not a media host of the sending provider` };
  return { ok: true, url };
}

/**
 * Why the proxy never fetches from `host` whatever the allowlist says, or null. `host` is a
 * URL's hostname as the WHATWG parser gives it (lower case, decimal, octal and hex IPv4
 * forms already turned into dotted quads) without its trailing dot.
 */
function hostRefusal(host: string): TargetRefusal | null {
  const ip = ipLiteral(host);
  if (ip === "private") return { code: "private-address", message: `${host} is a private, loopback, link-local or reserved address` };
  if (ip === "public") return { code: "host-not-allowed", message: `${host}: IP addresses are never on a media allowlist` };
  if (host === "localhost" || host.endsWith(".localhost")) return { code: "private-address", message: `${host} is a loopback name` };
  return null;
}

export type AllowlistEntry = { readonly ok: true; readonly host: string } | ({ readonly ok: false } & TargetRefusal);

/**
 * An allowlist entry as the proxy will compare it: parsed as a target's host is, so
 * `LOCALHOST`, `0x7f000001` or `[::1]` are refused here, at registration, rather than
 * stored and refused at every fetch, and `Media.Example.` is stored as `media.example`.
 * Anything besides a bare host (port, path, credentials) is refused.
 */
export function allowlistHost(raw: string): AllowlistEntry {
  const bare = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/;
  if (!bare.test(raw)) return { ok: false, code: "invalid-source", message: "must be a bare host name" };
  let url: URL;
  try {
    url = new URL(`https://${raw}/`);
  } catch {
    return { ok: false, code: "invalid-source", message: "must be a host name" };
  }
  const host = url.hostname.replace(/\.$/, "");
  const refused = hostRefusal(host);
  return refused ? { ok: false, ...refused } : { ok: true, host };
}

function ipLiteral(host: string): "private" | "public" | null {
  if (host.startsWith("[") && host.endsWith("]")) return isPrivateIpv6(host.slice(1, -1)) ? "private" : "public";
  const v4 = ipv4(host);
  if (v4) return isPrivateIpv4(v4) ? "private" : "public";
  return null;
}

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** [prefix, length] of every IPv4 range that is not globally reachable (IANA special-purpose registry). */
const PRIVATE_V4: readonly (readonly [number, number, number, number, number])[] = [
  [0, 0, 0, 0, 8], // "this network"
  [10, 0, 0, 0, 8],
  [100, 64, 0, 0, 10], // carrier-grade NAT
  [127, 0, 0, 0, 8],
  [169, 254, 0, 0, 16], // link-local, cloud metadata endpoints
  [172, 16, 0, 0, 12],
  [192, 0, 0, 0, 24],
  [192, 0, 2, 0, 24],
  [192, 88, 99, 0, 24],
  [192, 168, 0, 0, 16],
  [198, 18, 0, 0, 15],
  [198, 51, 100, 0, 24],
  [203, 0, 113, 0, 24],
  [224, 0, 0, 0, 4], // multicast
  [240, 0, 0, 0, 4], // reserved and broadcast
];

const toU32 = (o: readonly number[]): number => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;

export function isPrivateIpv4(octets: readonly number[]): boolean {
  const addr = toU32(octets);
  return PRIVATE_V4.some(([a, b, c, d, len]) => {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return ((addr & mask) >>> 0) === ((toU32([a, b, c, d]) & mask) >>> 0);
  });
}

/** Eight 16-bit groups, or null if `text` is not an IPv6 address. */
function ipv6Groups(text: string): number[] | null {
  let s = text.toLowerCase();
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = ipv4(tail[1]!);
    if (!v4) return null;
    s = s.slice(0, -tail[1]!.length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.some(Number.isNaN) ? null : groups;
}

export function isPrivateIpv6(text: string): boolean {
  const g = ipv6Groups(text);
  if (!g) return true; // unparseable: refuse as if private rather than guess
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) return isPrivateIpv4(embeddedV4); // IPv4-mapped
    return true; // ::, ::1 and the deprecated IPv4-compatible range
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateIpv4(embeddedV4); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // discard
  return false;
}
