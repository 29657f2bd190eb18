import { utf8 } from "../bytes.ts";
import { INVALID_XML_CHAR, type XmlElement } from "./element.ts";
import { XmlError, type XmlErrorCode } from "./errors.ts";

/**
 * Caps on what one document may cost. Each bounds the memory or CPU an untrusted peer can
 * make us spend per message; overrides are meant for tightening them, not for lifting them.
 */
export interface XmlLimits {
  /** UTF-8 bytes of the whole document. */
  readonly maxBytes: number;
  /** Element nesting; the root element is depth 1. */
  readonly maxDepth: number;
  /** Attributes per element. */
  readonly maxAttributes: number;
  /** Child elements per element. */
  readonly maxChildren: number;
  /** Element and attribute names, in characters. */
  readonly maxNameLength: number;
  /** Each attribute value after entity decoding, in UTF-16 code units. */
  readonly maxAttributeLength: number;
  /** Each element's text after entity decoding, in UTF-16 code units. */
  readonly maxTextLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 65536,
  maxDepth: 8,
  maxAttributes: 16,
  maxChildren: 256,
  maxNameLength: 64,
  maxAttributeLength: 1024,
  maxTextLength: 65536,
});

/**
 * Parses one stanza: a strict subset of XML 1.0 with no DTDs, comments, CDATA, processing
 * instructions, custom entities or namespace prefixes. Anything outside it is refused as a
 * whole (there is no partial result), so a hostile peer gets exactly one cheap answer.
 *
 * @param input the document, or its UTF-8 bytes (a leading BOM is allowed in bytes only).
 * @throws XmlError for every refusal; any other exception would be a bug in this parser.
 */
export function parseXml(input: string | Uint8Array, limits?: Partial<XmlLimits>): XmlElement {
  const lim = limits === undefined ? DEFAULT_XML_LIMITS : resolveLimits(limits);
  let src: string;
  if (typeof input === "string") {
    if (utf8Length(input, lim.maxBytes) > lim.maxBytes) throw new XmlError("too-large", `document over ${lim.maxBytes} bytes`, 0);
    src = input;
  } else {
    if (input.length > lim.maxBytes) throw new XmlError("too-large", `document over ${lim.maxBytes} bytes`, 0);
    try {
      src = utf8.decode(input);
    } catch {
      throw new XmlError("encoding", "document is not valid UTF-8", 0);
    }
  }
  // One native pass up front means the scanner below never has to look at characters it
  // skips over with indexOf, and every string it slices out is already known to be clean.
  const bad = src.search(INVALID_XML_CHAR);
  if (bad >= 0) {
    const c = src.charCodeAt(bad);
    if (c >= 0xd800 && c <= 0xdfff) throw new XmlError("encoding", "lone surrogate in document", bad);
    throw new XmlError("syntax", "character not allowed in XML", bad);
  }
  return new Parser(src, lim).document();
}

/** A `?? default` per field: a spread would let an explicit `undefined` silently disable a limit. */
function resolveLimits(l: Partial<XmlLimits>): XmlLimits {
  const d = DEFAULT_XML_LIMITS;
  return {
    maxBytes: l.maxBytes ?? d.maxBytes,
    maxDepth: l.maxDepth ?? d.maxDepth,
    maxAttributes: l.maxAttributes ?? d.maxAttributes,
    maxChildren: l.maxChildren ?? d.maxChildren,
    maxNameLength: l.maxNameLength ?? d.maxNameLength,
    maxAttributeLength: l.maxAttributeLength ?? d.maxAttributeLength,
    maxTextLength: l.maxTextLength ?? d.maxTextLength,
  };
}

/**
 * UTF-8 length of a string, cheaply. Every UTF-16 unit takes 1 to 3 bytes, so most strings
 * are settled by their length alone; only the rest get encoded, natively, and they are at
 * most `cap` units long. A lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD.
 */
function utf8Length(s: string, cap: number): number {
  if (s.length > cap || s.length * 3 <= cap) return s.length;
  return utf8.encode(s).length;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21; // !
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const HASH = 0x23;
const COLON = 0x3a;

/** XML's S production: the only whitespace allowed between markup. */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;

function isAllSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** XML 1.0 Char, for code points reached through a numeric reference. */
function isXmlChar(cp: number): boolean {
  return cp === 0x09 || cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** The value of an ASCII digit in base 10 or 16, or -1. */
function digitValue(c: number, base: 10 | 16): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (base === 16) {
    const lower = c | 0x20; // ASCII letters differ from their capitals only in this bit
    if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  }
  return -1;
}

/** An element whose end tag has not been seen yet. */
interface OpenElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlElement[];
  /** Decoded text so far; dropped (it can only be whitespace) once a child appears. */
  text: string;
}

/**
 * A single forward scan with an explicit stack of open elements instead of recursion, so
 * nesting costs heap, not call stack. Each character is looked at a bounded number of times:
 * the cursor only moves forward, and every lookahead (indexOf, reference scans) either
 * becomes the new cursor position or ends in an error.
 */
class Parser {
  private i = 0;
  private readonly stack: OpenElement[] = [];

  constructor(
    private readonly s: string,
    private readonly lim: XmlLimits,
  ) {}

  document(): XmlElement {
    const { s, stack } = this;
    this.skipSpace();
    if (this.i >= s.length) this.fail("syntax", "document is empty");
    let root: XmlElement | undefined;
    do {
      const top = stack[stack.length - 1];
      if (s.charCodeAt(this.i) !== LT) {
        if (!top) this.fail("syntax", "expected the root element");
        this.text(top);
        continue;
      }
      const next = s.charCodeAt(this.i + 1);
      if (next === BANG || next === QUESTION) this.refuseMarkup();
      const done = next === SLASH ? this.endTag() : this.startTag();
      if (!done) continue;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(done);
      else root = done;
    } while (stack.length > 0);

    this.skipSpace();
    if (this.i < s.length) {
      const next = s.charCodeAt(this.i + 1);
      if (s.charCodeAt(this.i) === LT && (next === BANG || next === QUESTION)) this.refuseMarkup();
      this.fail("syntax", s.charCodeAt(this.i) === LT ? "more than one root element" : "text after the root element");
    }
    // The loop only exits with an empty stack after completing the root.
    if (!root) this.fail("syntax", "no root element");
    return root;
  }

  /** `<!…` and `<?…`: well-formed XML, but none of it belongs in a stanza, and DTDs are how entity bombs get in. */
  private refuseMarkup(): never {
    const { s, i } = this;
    if (s.startsWith("<?", i)) this.fail("forbidden", "processing instructions, including the <?xml?> declaration, are not allowed");
    if (s.startsWith("<!--", i)) this.fail("forbidden", "comments are not allowed");
    if (s.startsWith("<![CDATA[", i)) this.fail("forbidden", "CDATA sections are not allowed");
    if (s.startsWith("<!DOCTYPE", i)) this.fail("forbidden", "DOCTYPE declarations are not allowed");
    this.fail("forbidden", "markup declarations are not allowed");
  }

  /** Parses `<name attrs…>` or `<name attrs…/>`; returns the element if it closed itself. */
  private startTag(): XmlElement | undefined {
    const { s, lim, stack } = this;
    const tagStart = this.i;
    const parent = stack[stack.length - 1];
    if (stack.length >= lim.maxDepth) this.fail("too-deep", `elements nested deeper than ${lim.maxDepth}`, tagStart);
    if (parent) {
      if (parent.children.length >= lim.maxChildren) this.fail("too-many-children", `more than ${lim.maxChildren} child elements`, tagStart);
      if (parent.children.length === 0) {
        if (!isAllSpace(parent.text)) this.fail("syntax", "mixed content: an element holds either text or child elements", tagStart);
        parent.text = "";
      }
    }
    this.i++;
    const name = this.name("element");
    const attrs: Record<string, string> = Object.create(null);
    let count = 0;
    for (;;) {
      const before = this.i;
      this.skipSpace();
      const c = s.charCodeAt(this.i);
      if (c === GT) {
        this.i++;
        stack.push({ name, attrs, children: [], text: "" });
        return undefined;
      }
      if (c === SLASH) {
        if (s.charCodeAt(this.i + 1) !== GT) this.fail("syntax", "expected '/>'");
        this.i += 2;
        return { name, attrs, children: [], text: "" };
      }
      if (this.i >= s.length) this.fail("syntax", "unterminated start tag");
      if (this.i === before) this.fail("syntax", "expected whitespace, '>' or '/>'");
      const attrStart = this.i;
      const key = this.name("attribute");
      if (Object.hasOwn(attrs, key)) this.fail("syntax", "duplicate attribute", attrStart);
      if (++count > lim.maxAttributes) this.fail("too-many-attributes", `more than ${lim.maxAttributes} attributes`, attrStart);
      this.skipSpace();
      if (s.charCodeAt(this.i) !== EQUALS) this.fail("syntax", "expected '=' after the attribute name");
      this.i++;
      this.skipSpace();
      attrs[key] = this.attributeValue();
    }
  }

  private attributeValue(): string {
    const { s } = this;
    const quote = s.charCodeAt(this.i);
    if (quote !== DQUOTE && quote !== SQUOTE) this.fail("syntax", "attribute value must be quoted");
    const start = this.i + 1;
    const end = s.indexOf(quote === DQUOTE ? '"' : "'", start);
    if (end < 0) this.fail("syntax", "unterminated attribute value");
    const raw = s.slice(start, end);
    const lt = raw.indexOf("<");
    if (lt >= 0) this.fail("syntax", "'<' in attribute value", start + lt);
    const value = this.decode(raw, start);
    if (value.length > this.lim.maxAttributeLength) this.fail("too-long", `attribute value over ${this.lim.maxAttributeLength} characters`, start);
    this.i = end + 1;
    return value;
  }

  /** Parses `</name>` and returns the element it completes. */
  private endTag(): XmlElement {
    const { s, stack } = this;
    const tagStart = this.i;
    const open = stack.pop();
    if (!open) this.fail("syntax", "end tag without a start tag");
    this.i += 2;
    const name = this.name("element");
    if (name !== open.name) this.fail("syntax", "end tag does not match the open element", tagStart);
    this.skipSpace();
    if (s.charCodeAt(this.i) !== GT) this.fail("syntax", "expected '>' to close the end tag");
    const text = open.children.length > 0 ? "" : open.text;
    if (text.length > this.lim.maxTextLength) this.fail("too-long", `text over ${this.lim.maxTextLength} characters`, tagStart);
    this.i++;
    return { name, attrs: open.attrs, children: open.children, text };
  }

  /** Character data up to the next tag. */
  private text(open: OpenElement): void {
    const { s } = this;
    const start = this.i;
    const end = s.indexOf("<", start);
    if (end < 0) this.fail("syntax", "unclosed element", s.length);
    const value = this.decode(s.slice(start, end), start);
    if (open.children.length > 0) {
      if (!isAllSpace(value)) this.fail("syntax", "mixed content: an element holds either text or child elements", start);
    } else {
      // Its length is checked at the end tag: only then is it known whether this is the
      // element's text or whitespace before a child, which is not text and not limited.
      open.text += value;
    }
    this.i = end;
  }

  /** Reads a name at the cursor; the colon check is what keeps namespace prefixes out. */
  private name(what: "element" | "attribute"): string {
    const { s } = this;
    const start = this.i;
    if (start >= s.length) this.fail("syntax", `unexpected end of input, expected an ${what} name`);
    if (!isNameStart(s.charCodeAt(start))) {
      if (s.charCodeAt(start) === COLON) this.fail("forbidden", "namespace prefixes are not supported");
      this.fail("syntax", `expected an ${what} name`);
    }
    let j = start + 1;
    while (isNameChar(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === COLON) this.fail("forbidden", "namespace prefixes are not supported", j);
    if (j - start > this.lim.maxNameLength) this.fail("too-long", `${what} name over ${this.lim.maxNameLength} characters`, start);
    this.i = j;
    return s.slice(start, j);
  }

  /**
   * Decodes references in `raw`, which starts at `base` in the document. The common case
   * (no `&`) returns `raw` itself; otherwise the result is assembled from slices, never
   * character by character.
   */
  private decode(raw: string, base: number): string {
    let amp = raw.indexOf("&");
    if (amp < 0) return raw;
    let out = "";
    let from = 0;
    while (amp >= 0) {
      out += raw.slice(from, amp);
      from = raw.indexOf(";", amp);
      // A reference is a short run of name characters or digits; anything else before the
      // ';' (or no ';' at all) means the '&' was bare. Checking the run also keeps a long
      // string of '&'s linear: the scan for ';' stops at the first one.
      const body = from < 0 ? "" : raw.slice(amp + 1, from);
      if (body.length === 0 || body.length > 16) this.fail("syntax", "'&' that does not start a valid reference", base + amp);
      out += this.reference(body, base + amp);
      from++;
      amp = raw.indexOf("&", from);
    }
    return out + raw.slice(from);
  }

  /** The text a reference stands for; `body` is what lies between '&' and ';'. */
  private reference(body: string, at: number): string {
    if (body.charCodeAt(0) !== HASH) {
      switch (body) {
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "amp":
          return "&";
        case "quot":
          return '"';
        case "apos":
          return "'";
      }
      let named = isNameStart(body.charCodeAt(0));
      for (let k = 1; k < body.length; k++) named &&= isNameChar(body.charCodeAt(k));
      if (!named) this.fail("syntax", "'&' that does not start a valid reference", at);
      this.fail("forbidden", "only the predefined entities and numeric references are allowed", at);
    }
    const hex = body.charCodeAt(1) === 0x78; // 'x'; XML allows only lower case here
    const first = hex ? 2 : 1;
    if (body.length === first) this.fail("syntax", "malformed character reference", at);
    let cp = 0;
    for (let k = first; k < body.length; k++) {
      const d = digitValue(body.charCodeAt(k), hex ? 16 : 10);
      if (d < 0) this.fail("syntax", "malformed character reference", at);
      // Saturate rather than lose precision: anything past U+10FFFF is refused below anyway.
      cp = Math.min(cp * (hex ? 16 : 10) + d, 0x110000);
    }
    if (!isXmlChar(cp)) this.fail("syntax", "character reference to a character XML does not allow", at);
    return String.fromCodePoint(cp);
  }

  private skipSpace(): void {
    while (isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  private fail(code: XmlErrorCode, description: string, at = this.i): never {
    throw new XmlError(code, description, at);
  }
}
