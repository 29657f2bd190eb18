// A minimal XMPP client over plain TCP (node:net) for bench/peers.bench.ts: stream open,
// optional in-band registration (XEP-0077), SASL PLAIN, resource bind, session, initial
// presence, and <message> send/receive. No TLS: the bench's private ejabberd listens on
// loopback without STARTTLS, as the comparison measured it.
import { connect, type Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${({ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" } as const)[c as "<"]};`);
}

function parseTag(inner: string): { name: string; attrs: Record<string, string> } {
  const name = /^[^\s/>]+/.exec(inner)?.[0] ?? "";
  const attrs: Record<string, string> = {};
  for (const m of inner.slice(name.length).matchAll(/([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) attrs[m[1]!] = unescape(m[3] ?? m[4] ?? "");
  return { name, attrs };
}

/**
 * Splits an XMPP stream into top-level stanzas (children of <stream:stream>), each parsed into
 * a small tree. A `stream:stream` start tag at any point (the server's answer to a stream
 * restart after SASL) starts a new stream.
 */
class StreamParser {
  #buffer = "";
  #stack: XmlNode[] = [];
  #inStream = false;

  constructor(
    private readonly onStanza: (node: XmlNode) => void,
    private readonly onStreamEvent: (event: "open" | "close") => void,
  ) {}

  push(chunk: string): void {
    this.#buffer += chunk;
    let pos = 0;
    for (;;) {
      const lt = this.#buffer.indexOf("<", pos);
      if (lt < 0) break;
      if (lt > pos) this.#text(this.#buffer.slice(pos, lt));
      const gt = this.#tagEnd(lt);
      if (gt < 0) {
        pos = lt;
        this.#buffer = this.#buffer.slice(pos);
        return;
      }
      this.#tag(this.#buffer.slice(lt + 1, gt));
      pos = gt + 1;
    }
    // Text after the last tag waits for the next "<": it may end in half an entity.
    this.#buffer = this.#buffer.slice(pos);
  }

  /** Index of the `>` closing the tag that starts at `lt`, skipping quoted attribute values. */
  #tagEnd(lt: number): number {
    let quote = "";
    for (let i = lt + 1; i < this.#buffer.length; i++) {
      const c = this.#buffer[i]!;
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") return i;
    }
    return -1;
  }

  #text(raw: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top) top.text += unescape(raw);
  }

  #tag(inner: string): void {
    if (inner.startsWith("?") || inner.startsWith("!")) return; // XML declaration, comments
    if (inner.startsWith("/")) {
      const name = inner.slice(1).trim();
      if (name === "stream:stream" && this.#stack.length === 0) {
        this.#inStream = false;
        return this.onStreamEvent("close");
      }
      const node = this.#stack.pop();
      if (!node || node.name !== name) throw new Error(`XMPP stream: unexpected </${name}>`);
      if (this.#stack.length === 0) this.onStanza(node);
      return;
    }
    const selfClosing = inner.endsWith("/");
    const { name, attrs } = parseTag(selfClosing ? inner.slice(0, -1) : inner);
    if (name === "stream:stream") {
      this.#stack = [];
      this.#inStream = true;
      return this.onStreamEvent("open");
    }
    if (!this.#inStream) throw new Error(`XMPP stream: <${name}> before <stream:stream>`);
    const node: XmlNode = { name, attrs, children: [], text: "" };
    const parent = this.#stack[this.#stack.length - 1];
    if (parent) parent.children.push(node);
    if (selfClosing) {
      if (!parent) this.onStanza(node);
    } else this.#stack.push(node);
  }
}

const child = (node: XmlNode, name: string) => node.children.find((c) => c.name === name);

export interface XmppOptions {
  readonly host: string;
  readonly port: number;
  /** The XMPP domain (virtual host). */
  readonly domain: string;
  readonly username: string;
  readonly password: string;
  readonly resource: string;
  /** Register the account in-band first (XEP-0077); an existing account is not an error. */
  readonly register?: boolean;
}

export interface IncomingXmppMessage {
  readonly id: string;
  readonly from: string;
  readonly body: string;
}

/** One authenticated, bound, available XMPP session. */
export class XmppClient {
  readonly #socket: Socket;
  readonly #waiters: ((node: XmlNode) => boolean)[] = [];
  #onStreamOpen: (() => void) | null = null;
  #failure: Error | null = null;
  #nextId = 0;
  /** The bound full JID. */
  jid = "";
  onMessage: (message: IncomingXmppMessage) => void = () => undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const decoder = new StringDecoder("utf8");
    const parser = new StreamParser(
      (node) => this.#stanza(node),
      (event) => {
        if (event === "open") this.#onStreamOpen?.();
        else this.#fail(new Error("XMPP server closed the stream"));
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        parser.push(decoder.write(chunk));
      } catch (err) {
        this.#fail(err as Error);
        socket.destroy();
      }
    });
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("XMPP connection closed")));
  }

  /** Connects and runs the whole session setup: stream, [register], SASL PLAIN, bind, session, presence. */
  static async open(options: XmppOptions): Promise<XmppClient> {
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new XmppClient(socket);
    try {
      await client.#setup(options);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return client;
  }

  async #setup(o: XmppOptions): Promise<void> {
    let features = await this.#openStream(o.domain);
    if (o.register) {
      const answer = await this.#iq("set", `<query xmlns='jabber:iq:register'><username>${escapeXml(o.username)}</username><password>${escapeXml(o.password)}</password></query>`, true);
      const conflict = answer.attrs.type === "error" && child(answer, "error")?.children.some((c) => c.name === "conflict");
      if (answer.attrs.type !== "result" && !conflict) throw new Error(`XMPP registration of ${o.username} failed: ${JSON.stringify(answer)}`);
    }
    const mechanisms = child(features, "mechanisms")?.children.map((m) => m.text) ?? [];
    if (!mechanisms.includes("PLAIN")) throw new Error(`XMPP server offers no SASL PLAIN (offers ${mechanisms.join(", ") || "nothing"})`);
    const credentials = Buffer.from(`\0${o.username}\0${o.password}`).toString("base64");
    const sasl = this.#next((n) => n.name === "success" || n.name === "failure");
    this.#socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`);
    const outcome = await sasl;
    if (outcome.name !== "success") throw new Error(`XMPP SASL PLAIN failed for ${o.username}: ${outcome.children.map((c) => c.name).join(", ")}`);
    features = await this.#openStream(o.domain);
    if (!child(features, "bind")) throw new Error("XMPP server offers no resource binding");
    const bound = await this.#iq("set", `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${escapeXml(o.resource)}</resource></bind>`);
    this.jid = child(child(bound, "bind") ?? bound, "jid")?.text ?? "";
    if (!this.jid) throw new Error("XMPP bind returned no JID");
    // RFC 3921 session establishment: ejabberd still offers it (as optional); the issue's
    // session setup counts it, so it is done whenever offered.
    if (child(features, "session")) await this.#iq("set", "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>");
    this.#socket.write("<presence/>");
  }

  /** Sends a stream header and resolves with the server's <stream:features>. */
  async #openStream(domain: string): Promise<XmlNode> {
    const opened = new Promise<void>((resolve) => (this.#onStreamOpen = resolve));
    const features = this.#next((n) => n.name === "stream:features");
    this.#socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${escapeXml(domain)}' version='1.0'>`);
    await opened;
    return features;
  }

  async #iq(type: "get" | "set", payload: string, allowError = false): Promise<XmlNode> {
    const id = `b${++this.#nextId}`;
    const answer = this.#next((n) => n.name === "iq" && n.attrs.id === id && (n.attrs.type === "result" || n.attrs.type === "error"));
    this.#socket.write(`<iq type='${type}' id='${id}'>${payload}</iq>`);
    const node = await answer;
    if (node.attrs.type === "error" && !allowError) throw new Error(`XMPP iq ${id} failed: ${JSON.stringify(node)}`);
    return node;
  }

  /** The next stanza matching `match` (others are handled as usual). */
  #next(match: (node: XmlNode) => boolean): Promise<XmlNode> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const waiter = (node: XmlNode) => {
        if (node.name === "\0fail") {
          reject(this.#failure!);
          return true;
        }
        if (!match(node)) return false;
        resolve(node);
        return true;
      };
      this.#waiters.push(waiter);
    });
  }

  #stanza(node: XmlNode): void {
    const i = this.#waiters.findIndex((w) => w(node));
    if (i >= 0) {
      this.#waiters.splice(i, 1);
      return;
    }
    if (node.name === "message") {
      const body = child(node, "body");
      if (body) this.onMessage({ id: node.attrs.id ?? "", from: node.attrs.from ?? "", body: body.text });
    } else if (node.name === "stream:error") this.#fail(new Error(`XMPP stream error: ${node.children.map((c) => c.name).join(", ")}`));
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    const sentinel: XmlNode = { name: "\0fail", attrs: {}, children: [], text: "" };
    for (const w of this.#waiters.splice(0)) w(sentinel);
  }

  /** Sends a chat <message> with `body` to `to` (a bare or full JID). */
  sendMessage(to: string, id: string, body: string): void {
    if (this.#failure) throw this.#failure;
    this.#socket.write(`<message to='${escapeXml(to)}' type='chat' id='${escapeXml(id)}'><body>${escapeXml(body)}</body></message>`);
  }

  /** Ends the stream and waits for the socket to close. */
  async close(): Promise<void> {
    if (this.#socket.destroyed) return;
    const closed = new Promise<void>((resolve) => this.#socket.once("close", () => resolve()));
    this.#failure ??= new Error("XMPP client closed");
    this.#socket.end("</stream:stream>");
    // A server that never closes its side must not hold the bench.
    const timer = setTimeout(() => this.#socket.destroy(), 2000);
    await closed;
    clearTimeout(timer);
  }
}
