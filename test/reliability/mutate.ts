import { base64url } from "jose";
import { utf8 } from "../../protocol/bytes.ts";
import type { SeededRandom } from "./seeded-random.ts";

/**
 * Byte-level mutations, a few per case: bit flips, overwrites, deletions, truncation,
 * random insertions, duplicated runs and dictionary tokens (bytes that mean something to
 * the parser under attack).
 */
export function mutateBytes(rand: SeededRandom, input: Uint8Array, dictionary: readonly Uint8Array[] = []): Uint8Array {
  let bytes = Array.from(input);
  for (let m = 1 + rand.int(3); m > 0; m--) {
    const at = rand.int(bytes.length + 1);
    const last = Math.max(0, Math.min(at, bytes.length - 1));
    switch (rand.int(dictionary.length > 0 ? 7 : 6)) {
      case 0:
        if (bytes.length > 0) bytes[last] = bytes[last]! ^ (1 << rand.int(8));
        break;
      case 1:
        if (bytes.length > 0) bytes[last] = rand.int(256);
        break;
      case 2:
        bytes.splice(at, 1 + rand.int(8));
        break;
      case 3:
        bytes = bytes.slice(0, at);
        break;
      case 4:
        bytes.splice(at, 0, ...rand.bytes(1 + rand.int(16)));
        break;
      case 5:
        bytes.splice(rand.int(bytes.length + 1), 0, ...bytes.slice(at, at + 1 + rand.int(24)));
        break;
      default:
        bytes.splice(at, 0, ...rand.pick(dictionary));
    }
  }
  return new Uint8Array(bytes);
}

/** Syntax-significant XML fragments: markup the codec must refuse or handle. */
const XML_TOKENS = [
  "<", ">", "/>", "</", "&", ";", "=", '"', "'", " ", ":", "<!--", "-->", "<![CDATA[x]]>", "<?xml version='1.0'?>",
  "<!DOCTYPE x>", '<!ENTITY e "eee">', "&lt;", "&amp;", "&#0;", "&#x110000;", "&#xD800;", "&#65;", "&foo;", "&#x1F600;",
  "</enc>", "<enc device='d' type='msg'>QQ==</enc>", "<a/>", "xmlns:x='y'", "x:y", "\u0000", "\uFFFE", "é", "😀", "\u202E",
];

/** Attribute values worth trying: other users, empty, oversized, odd characters. */
function interestingValues(context: { readonly self: string; readonly peer: string; readonly peerDevice: string }): string[] {
  return [
    "", " ", "*", context.self, context.peer, context.peerDevice, context.peer.toUpperCase(), `${context.peer}x`, "a".repeat(26),
    "true", "false", "-1", "0", "1e309", "NaN", "9".repeat(40), "x".repeat(65), "x".repeat(1025), "message", "receipt", "notification",
    "chat", "msg", "pkmsg", "skmsg", "delivered", "read", "retry", "get", "set", "result", "error", "&amp;", "&lt;&gt;", "é😀", "a b",
  ];
}

export interface StanzaContext {
  readonly self: string;
  readonly peer: string;
  readonly peerDevice: string;
}

const escapeAttr = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

/**
 * One mutated stanza derived from `base` (and sometimes `other`, for splicing): structural
 * mutations the XML-level fuzz of the codec never produces (nesting, size, attribute and
 * child counts, realistic values in the wrong places) plus byte-level noise.
 */
export function mutateStanza(rand: SeededRandom, base: string, other: string, ctx: StanzaContext): { readonly label: string; readonly bytes: Uint8Array } {
  const at = rand.int(base.length + 1);
  const afterName = Math.max(1, base.search(/[\s/>]/));
  switch (rand.int(12)) {
    case 0:
      return { label: "bytes", bytes: mutateBytes(rand, utf8.encode(base), XML_TOKENS.map((t) => utf8.encode(t))) };
    case 1:
      return { label: "truncate", bytes: utf8.encode(base.slice(0, at)) };
    case 2: {
      const from = rand.int(other.length);
      return { label: "splice", bytes: utf8.encode(base.slice(0, at) + other.slice(from, from + 1 + rand.int(other.length - from)) + base.slice(at)) };
    }
    case 3: {
      // Around the stanza, or inside its root element (which, self-closed, has no inside: then around it).
      const depth = rand.pick([7, 8, 9, 20, 500]);
      const open = base.indexOf(">") + 1;
      const inside = rand.chance(0.5) && base[open - 2] !== "/";
      const nested = inside
        ? `${base.slice(0, open)}${"<x>".repeat(depth)}${"</x>".repeat(depth)}${base.slice(open)}`
        : `${"<a>".repeat(depth)}${base}${"</a>".repeat(depth)}`;
      return { label: `nest-${inside ? "inside" : "around"}-${depth}`, bytes: utf8.encode(nested) };
    }
    case 4: {
      const size = rand.pick([1024, 1025, 4096, 61_000, 65_000]);
      const attr = ` ${rand.pick(["big", "id", "to", "type", "from", "class"])}="${"A".repeat(size)}"`;
      return { label: `huge-attr-${size}`, bytes: utf8.encode(base.slice(0, afterName) + attr + base.slice(afterName)) };
    }
    case 5: {
      const n = rand.pick([16, 17, 40]);
      const attrs = Array.from({ length: n }, (_, i) => ` a${i}="${i}"`).join("");
      return { label: `attrs-${n}`, bytes: utf8.encode(base.slice(0, afterName) + attrs + base.slice(afterName)) };
    }
    case 6: {
      const n = rand.pick([64, 65, 256, 257, 1000]);
      const close = base.lastIndexOf("</");
      const kids = `<enc device="${ctx.peerDevice}" type="msg">QQ==</enc>`.repeat(n);
      const bytes = close > 0 ? base.slice(0, close) + kids + base.slice(close) : base.replace(/\/>$/, `>${kids}</${base.slice(1, afterName)}>`);
      return { label: `children-${n}`, bytes: utf8.encode(bytes) };
    }
    case 7: {
      // Any code point, astral and control ones included.
      const cp = rand.chance(0.5) ? rand.int(0x80) : rand.int(0x110000);
      const ch = cp >= 0xd800 && cp <= 0xdfff ? "\uFFFD" : String.fromCodePoint(cp);
      return { label: "unicode", bytes: utf8.encode(base.slice(0, at) + ch.repeat(1 + rand.int(4)) + base.slice(at)) };
    }
    case 8: {
      const values = [...base.matchAll(/="([^"]*)"/g)];
      if (values.length === 0) return { label: "unicode", bytes: utf8.encode(`${base}\u0085`) };
      const target = rand.pick(values);
      const value = escapeAttr(rand.pick(interestingValues(ctx)));
      const i = target.index!;
      return { label: "attr-value", bytes: utf8.encode(`${base.slice(0, i)}="${value}"${base.slice(i + target[0].length)}`) };
    }
    case 9: {
      const token = rand.pick(XML_TOKENS);
      return { label: "token", bytes: utf8.encode(base.slice(0, at) + token + base.slice(at)) };
    }
    case 10: {
      const dup = base.match(/ [a-z_]+="[^"]*"/);
      return { label: "dup-attr", bytes: utf8.encode(dup ? base.slice(0, afterName) + dup[0] + base.slice(afterName) : `${base}${base}`) };
    }
    default: {
      // Oversized as a whole: just past the stanza limit and close to the transport limit.
      const size = rand.pick([60 * 1024 + 1, 65_000]);
      const close = base.lastIndexOf("</");
      const pad = "QUJD".repeat(Math.ceil((size - base.length) / 4));
      return { label: `too-large-${size}`, bytes: utf8.encode(close > 0 ? base.slice(0, close) + pad + base.slice(close) : base + pad) };
    }
  }
}

const b64urlJson = (value: unknown): string => base64url.encode(JSON.stringify(value));

function decodeSegment(segment: string): Uint8Array | null {
  try {
    return base64url.decode(segment);
  } catch {
    return null;
  }
}

/**
 * Whether two compact JWTs carry the same bytes in every segment, decoded the way the
 * gateway's JWT library decodes them: the only way a mutated token may still be accepted.
 */
export function sameJwt(a: string, b: string): boolean {
  const [pa, pb] = [a.split("."), b.split(".")];
  if (pa.length !== 3 || pb.length !== 3) return false;
  return pa.every((segment, i) => {
    const [x, y] = [decodeSegment(segment), decodeSegment(pb[i]!)];
    return x !== null && y !== null && x.length === y.length && x.every((v, j) => v === y[j]);
  });
}

type Json = Record<string, unknown>;

/** Signs a token for the fuzzed subject and key with some claims or header fields changed. */
export type Resign = (overrides: { claims?: Json; kid?: string; lifetimeS?: number; iatOffsetS?: number; foreignKey?: boolean }) => Promise<string>;

/** Where the token goes: what a correctly signed variant must be refused for differs between the two. */
export type JwtTarget = "enroll" | "handshake";

const NON_BASE64 = ["+", "/", "=", " ", ".", "%", "é", "\u0000", "\n", "*", "..", "😀"];

/**
 * A mutated provider token: byte and character noise in each segment, rewritten headers
 * (alg none, HS256, missing or odd kid, crit, embedded keys), rewritten claims under the old
 * signature (checks that run before the signature one), correctly signed tokens that must
 * still be refused, and junk that is not a JWT at all.
 */
export async function mutateJwt(rand: SeededRandom, base: string, resign: Resign, target: JwtTarget): Promise<{ readonly label: string; readonly token: string }> {
  const [h, p, s] = base.split(".") as [string, string, string];
  const header = JSON.parse(new TextDecoder().decode(base64url.decode(h))) as Json;
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Json;
  const now = Math.floor(Date.now() / 1000);
  switch (rand.int(8)) {
    case 0: {
      const i = rand.int(3);
      const parts = [h, p, s];
      parts[i] = base64url.encode(mutateBytes(rand, base64url.decode(parts[i]!)));
      return { label: `segment-bytes-${i}`, token: parts.join(".") };
    }
    case 1: {
      const chars = [...base];
      for (let m = 1 + rand.int(3); m > 0; m--) {
        const at = rand.int(chars.length);
        if (rand.chance(0.5)) chars[at] = rand.pick(NON_BASE64);
        else chars.splice(at, 1 + rand.int(4));
      }
      return { label: "chars", token: chars.join("") };
    }
    case 2: {
      const rewrites: [string, (x: Json) => unknown, string?][] = [
        ["alg-none", (x) => ({ ...x, alg: "none" }), ""],
        ["alg-hs256", (x) => ({ ...x, alg: "HS256" })],
        ["alg-other", (x) => ({ ...x, alg: rand.pick(["RS256", "ES256", "PS256", "ES512", "", "NONE", "EdDSA", 7]) })],
        ["alg-missing", ({ alg: _alg, ...rest }) => rest],
        ["kid-odd", (x) => ({ ...x, kid: rand.pick(["", "nope", 123, null, "k".repeat(5000), ["a"], {}]) })],
        ["kid-missing", ({ kid: _kid, ...rest }) => rest],
        ["crit", (x) => ({ ...x, crit: ["exp"] })],
        ["b64-false", (x) => ({ ...x, b64: false, crit: ["b64"] })],
        ["embedded-key", (x) => ({ ...x, jku: "http://evil.test/jwks.json", jwk: { kty: "OKP", crv: "Ed25519", x: base64url.encode(new Uint8Array(32)) } })],
        ["array", (x) => [x]],
        ["string", () => "header"],
      ];
      const [label, rewrite, signature] = rand.pick(rewrites);
      return { label: `header-${label}`, token: `${b64urlJson(rewrite(header))}.${p}.${signature ?? s}` };
    }
    case 3: {
      const longIss = "x".repeat(rand.pick([505, 506, 600, 4000]));
      const rewrites: [string, (x: Json) => unknown][] = [
        ["iss-long", (x) => ({ ...x, iss: rand.chance(0.5) ? longIss : "é".repeat(300) })],
        ["iss-odd", (x) => ({ ...x, iss: rand.pick(["", 5, null, ["a"], {}, "https://nobody.example", "issuer:x", ".", ".."]) })],
        ["iss-missing", ({ iss: _iss, ...rest }) => rest],
        ["sub", (x) => ({ ...x, sub: rand.pick(["", "other", 5, null, "s".repeat(300)]) })],
        ["aud", (x) => ({ ...x, aud: rand.pick(["other", ["other", x.aud], [], 1]) })],
        ["times", (x) => ({ ...x, exp: rand.pick(["soon", 1e308, -1, null, now - 3600]), iat: rand.pick([x.iat, now + 3600, -5, "now"]) })],
        ["jti", (x) => ({ ...x, jti: rand.pick(["", 5, null, "j".repeat(200)]) })],
        ["cnf", (x) => ({ ...x, cnf: rand.pick([null, "key", { jwk: null }, { jwk: { kty: "OKP", crv: "X25519", x: "!!" } }, { jwk: { kty: "OKP", crv: "X25519", x: 5 } }]) })],
        ["array", (x) => [x]],
        ["number", () => 42],
      ];
      const [label, rewrite] = rand.pick(rewrites);
      return { label: `payload-${label}`, token: `${h}.${b64urlJson(rewrite(payload))}.${s}` };
    }
    case 4: {
      // Correctly signed, and still must be refused.
      const variants: [string, Parameters<Resign>[0]][] = [
        ["aud", { claims: { aud: "someone-else" } }],
        ["expired", { iatOffsetS: -1000 }],
        ["not-yet-valid", { claims: { nbf: now + 600 } }],
        ["too-long-lived", { lifetimeS: 3600 }],
        ["unknown-iss", { claims: { iss: "https://nobody.example" } }],
        ["long-iss", { claims: { iss: "x".repeat(rand.pick([506, 600, 3000])) } }],
        ["no-cnf", { claims: { cnf: undefined } }],
        ["short-cnf", { claims: { cnf: { jwk: { kty: "OKP", crv: "X25519", x: "AA" } } } }],
        ["bad-cnf", { claims: { cnf: { jwk: { kty: "OKP", crv: "X25519", x: "!!!" } } } }],
        ["empty-sub", { claims: { sub: "" } }],
        ["long-sub", { claims: { sub: "s".repeat(300) } }],
        ["empty-jti", { claims: { jti: "" } }],
        ["long-jti", { claims: { jti: "j".repeat(200) } }],
        ["no-jti", { claims: { jti: undefined } }],
        ["string-exp", { claims: { exp: "tomorrow" } }],
        ["future-iat", { claims: { iat: now + 3600, exp: now + 3900 } }],
        ["unknown-kid", { kid: `nope-${rand.int(1e9)}` }],
        ["foreign-key", { foreignKey: true }],
      ];
      if (target === "enroll") {
        variants.push(["no-identifier", { claims: { preferred_username: undefined } }], ["long-identifier", { claims: { preferred_username: "i".repeat(300) } }]);
      } else {
        // Valid tokens, but for someone else: the handshake must refuse to act on them for this device.
        variants.push(["other-sub", { claims: { sub: `other-${rand.int(1e9)}` } }], [
          "other-key",
          { claims: { cnf: { jwk: { kty: "OKP", crv: "X25519", x: base64url.encode(rand.bytes(32)) } } } },
        ]);
      }
      const [label, overrides] = rand.pick(variants);
      return { label: `signed-${label}`, token: await resign(overrides) };
    }
    case 5: {
      const junk = [
        "", ".", "..", "...", "a.b.c", "a.b", `${h}.${p}`, `${h}.${p}.${s}.${s}`, ` ${base}`, `${base} `, `${base}\n`, base.replace(/\./g, ". "),
        `${h}..${s}`, `.${p}.${s}`, JSON.stringify(payload), "x".repeat(rand.pick([1000, 8192, 8193, 9000])), new TextDecoder().decode(rand.bytes(64)),
        "😀".repeat(100), base.toUpperCase(), base64url.encode(rand.bytes(200)),
      ];
      return { label: "junk", token: rand.pick(junk) };
    }
    case 6: {
      const signature = rand.pick([
        "", base64url.encode(rand.bytes(64)), base64url.encode(rand.bytes(1 + rand.int(200))), s.slice(0, rand.int(s.length)), `${s}${s}`, s.split("").reverse().join(""),
      ]);
      return { label: "signature", token: `${h}.${p}.${signature}` };
    }
    default: {
      // Oversized on purpose: past the 8 KiB token limit or just under it.
      const padding = "p".repeat(rand.pick([7000, 8200, 20_000]));
      return { label: "huge-claim", token: rand.chance(0.5) ? await resign({ claims: { padding } }) : `${h}.${b64urlJson({ ...payload, padding })}.${s}` };
    }
  }
}
