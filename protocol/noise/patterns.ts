import { NoiseError } from "./errors.ts";

/** Tokens of spec §7.1 plus the psk token of §9. */
export type Token = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";
export type Direction = "->" | "<-";

export interface MessagePattern {
  readonly direction: Direction;
  readonly tokens: readonly Token[];
}

export interface HandshakePattern {
  readonly name: string;
  /** Pre-message tokens known out of band: initiator's ("->") and responder's ("<-"). */
  readonly preInitiator: readonly Token[];
  readonly preResponder: readonly Token[];
  readonly messages: readonly MessagePattern[];
  readonly hasPsk: boolean;
}

// Spec §7.4 (one-way) and §7.5 (fundamental interactive) patterns, in the spec's own notation.
const BASE_PATTERNS: Readonly<Record<string, string>> = {
  N: "<- s | -> e, es",
  K: "-> s; <- s | -> e, es, ss",
  X: "<- s | -> e, es, s, ss",
  NN: "| -> e; <- e, ee",
  NK: "<- s | -> e, es; <- e, ee",
  NX: "| -> e; <- e, ee, s, es",
  KN: "-> s | -> e; <- e, ee, se",
  KK: "-> s; <- s | -> e, es, ss; <- e, ee, se",
  KX: "-> s | -> e; <- e, ee, se, s, es",
  XN: "| -> e; <- e, ee; -> s, se",
  XK: "<- s | -> e, es; <- e, ee; -> s, se",
  XX: "| -> e; <- e, ee, s, es; -> s, se",
  IN: "| -> e, s; <- e, ee, se",
  IK: "<- s | -> e, es, s, ss; <- e, ee, se",
  IX: "| -> e, s; <- e, ee, se, s, es",
};

const TOKENS = new Set<Token>(["e", "s", "ee", "es", "se", "ss", "psk"]);

function parseLine(line: string): MessagePattern {
  const m = /^(->|<-)\s*(.*)$/.exec(line.trim());
  if (!m) throw new Error(`bad pattern line ${line}`);
  const tokens = m[2]!.split(",").map((t) => t.trim()).filter(Boolean) as Token[];
  for (const t of tokens) if (!TOKENS.has(t)) throw new Error(`bad token ${t}`);
  return { direction: m[1] as Direction, tokens };
}

function parseBase(spec: string): { pre: MessagePattern[]; messages: MessagePattern[] } {
  const [preText, msgText] = spec.split("|") as [string, string];
  const lines = (text: string) => text.split(";").map((l) => l.trim()).filter(Boolean).map(parseLine);
  return { pre: lines(preText), messages: lines(msgText) };
}

const SWAPPED: Readonly<Partial<Record<Token, Token>>> = { es: "se", se: "es" };

/** §7.2: the same message written from the other party's side. */
function reverseRoles(p: MessagePattern): MessagePattern {
  return { direction: p.direction === "->" ? "<-" : "->", tokens: p.tokens.map((t) => SWAPPED[t] ?? t) };
}

/**
 * Builds a pattern from its name, e.g. "XX", "IK", "XXfallback", "NNpsk0", "XXfallback+psk0".
 * Modifiers (spec §9.3 psk, §10.2 fallback) apply left to right.
 */
export function handshakePattern(name: string): HandshakePattern {
  const m = /^([A-Z]+)([a-z0-9+]*)$/.exec(name);
  const base = m ? BASE_PATTERNS[m[1]!] : undefined;
  if (!m || !base) throw new NoiseError("invalid-protocol-name", `unknown handshake pattern ${name}`);
  const parsed = parseBase(base);
  let preInitiator: Token[] = parsed.pre.filter((p) => p.direction === "->").flatMap((p) => p.tokens);
  let preResponder: Token[] = parsed.pre.filter((p) => p.direction === "<-").flatMap((p) => p.tokens);
  let messages: MessagePattern[] = parsed.messages.map((p) => ({ direction: p.direction, tokens: [...p.tokens] }));
  let hasPsk = false;

  const modifiers = m[2] ? m[2].split("+") : [];
  for (const modifier of modifiers) {
    const psk = /^psk(\d+)$/.exec(modifier);
    if (modifier === "fallback") {
      // §10.2: Alice's first message becomes a pre-message; only public-key tokens can move there.
      const first = messages[0];
      if (!first || first.direction !== "->" || first.tokens.some((t) => t !== "e" && t !== "s")) {
        throw new NoiseError("invalid-protocol-name", `fallback cannot apply to ${name}`);
      }
      // The rest is a Bob-initiated pattern (§10.2), and Bob, who now sends first, is the
      // initiator of the new protocol, Alice its responder (§10.1). It is kept in canonical
      // form, initiator on the left: arrows reversed and "es" / "se" swapped, which §7.2 says
      // does not change the pattern. Every §5.3 rule then holds as written for
      // initiator = Bob, Split's c1 (initiator to responder) included: Bob sends with c1.
      const alice = [...preInitiator, ...first.tokens];
      preInitiator = preResponder;
      preResponder = alice;
      messages = messages.slice(1).map(reverseRoles);
    } else if (psk) {
      const index = Number(psk[1]);
      if (index > messages.length) throw new NoiseError("invalid-protocol-name", `${modifier} out of range in ${name}`);
      hasPsk = true;
      // §9.3: psk0 goes first in the first message; pskN goes last in message N.
      const target = index === 0 ? 0 : index - 1;
      const msg = messages[target]!;
      const tokens: Token[] = index === 0 ? ["psk", ...msg.tokens] : [...msg.tokens, "psk"];
      messages = messages.map((p, i) => (i === target ? { direction: p.direction, tokens } : p));
    } else {
      throw new NoiseError("invalid-protocol-name", `unknown modifier ${modifier} in ${name}`);
    }
  }
  return { name, preInitiator, preResponder, messages, hasPsk };
}

export interface ProtocolName {
  readonly full: string;
  readonly pattern: HandshakePattern;
  readonly dh: string;
  readonly cipher: string;
  readonly hash: string;
}

const parsedNames = new Map<string, ProtocolName>();

/** Parses "Noise_<pattern>_<dh>_<cipher>_<hash>" (spec §8). Results are immutable and cached. */
export function parseProtocolName(full: string): ProtocolName {
  const cached = parsedNames.get(full);
  if (cached) return cached;
  const parsed = parseUncached(full);
  if (parsedNames.size < 64) parsedNames.set(full, parsed);
  return parsed;
}

function parseUncached(full: string): ProtocolName {
  const parts = full.split("_");
  if (parts.length !== 5 || parts[0] !== "Noise") {
    throw new NoiseError("invalid-protocol-name", `not a Noise protocol name: ${full}`);
  }
  const [, pattern, dh, cipher, hash] = parts as [string, string, string, string, string];
  return { full, pattern: handshakePattern(pattern), dh, cipher, hash };
}
