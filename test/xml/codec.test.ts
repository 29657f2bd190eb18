import { describe, expect, it } from "vitest";
import { child, DEFAULT_XML_LIMITS, element, parseXml, serializeXml, XmlError } from "../../protocol/xml/index.ts";
import type { XmlElement, XmlErrorCode, XmlLimits } from "../../protocol/xml/index.ts";

const STANZA = '<message id="m1" to="abc" type="chat"><enc device="d1" type="pkmsg">QUJD</enc><enc device="d2" type="msg">REVG</enc></message>';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The XmlError parseXml throws for `input`, failing the test if it returns or throws anything else. */
function refusal(input: string | Uint8Array, limits?: Partial<XmlLimits>): XmlError {
  try {
    parseXml(input, limits);
  } catch (err) {
    if (err instanceof XmlError) return err;
    throw err;
  }
  throw new Error(`parsed without error: ${typeof input === "string" ? input.slice(0, 200) : "<bytes>"}`);
}

const codeOf = (input: string | Uint8Array, limits?: Partial<XmlLimits>): XmlErrorCode => refusal(input, limits).code;
const roundTrip = (el: XmlElement): XmlElement => parseXml(serializeXml(el));
const nest = (depth: number, inner = ""): string => "<a>".repeat(depth) + inner + "</a>".repeat(depth);
const withAttrs = (n: number): string => `<a${Array.from({ length: n }, (_, k) => ` a${k}="${k}"`).join("")}/>`;
const withChildren = (n: number): string => `<a>${"<b/>".repeat(n)}</a>`;

describe("parseXml", () => {
  it("reads a realistic message stanza", () => {
    const el = parseXml(STANZA);
    expect(el).toEqual({
      name: "message",
      attrs: { id: "m1", to: "abc", type: "chat" },
      text: "",
      children: [
        { name: "enc", attrs: { device: "d1", type: "pkmsg" }, children: [], text: "QUJD" },
        { name: "enc", attrs: { device: "d2", type: "msg" }, children: [], text: "REVG" },
      ],
    });
    expect(Object.keys(el.attrs)).toEqual(["id", "to", "type"]);
    expect(child(el, "enc")?.attrs.device).toBe("d1");
    expect(child(el, "nope")).toBeUndefined();
    expect(serializeXml(el)).toBe(STANZA);
  });

  it("accepts UTF-8 bytes, with or without a BOM", () => {
    expect(parseXml(utf8(STANZA))).toEqual(parseXml(STANZA));
    expect(parseXml(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("<a>é</a>")]))).toEqual(element("a", {}, "é"));
  });

  it("decodes the predefined entities and numeric references in text and attributes", () => {
    const el = parseXml(`<a q='&quot;&apos;&lt;&gt;&amp;' n="&#65;&#x42;&#x1F600;&#9;">&lt;b&gt; &amp; &#x20AC;&#128512;</a>`);
    expect(el.attrs).toEqual({ q: `"'<>&`, n: "AB😀\t" });
    expect(el.text).toBe("<b> & €😀");
  });

  it("keeps a leaf's text exactly and ignores whitespace between child elements", () => {
    expect(parseXml("<a>  two\r\n lines\t</a>").text).toBe("  two\r\n lines\t");
    expect(parseXml("<a>   </a>").text).toBe("   ");
    expect(parseXml("<a>x > y</a>").text).toBe("x > y");
    const el = parseXml(" \n<a>\n  <b/>\n  <c></c>\n</a>\n ");
    expect(el.text).toBe("");
    expect(el.children.map((c) => c.name)).toEqual(["b", "c"]);
    expect(el.children[1]).toEqual({ name: "c", attrs: {}, children: [], text: "" });
  });

  it("allows whitespace inside tags where XML does", () => {
    expect(parseXml(`<a\n x = "1"\ty='2' ></a >`).attrs).toEqual({ x: "1", y: "2" });
    expect(parseXml(`<a x="1" />`).attrs).toEqual({ x: "1" });
  });

  it("treats xmlns as a plain attribute", () => {
    expect(parseXml('<a xmlns="urn:parley"/>').attrs).toEqual({ xmlns: "urn:parley" });
  });

  it("gives attributes no inherited properties", () => {
    const el = parseXml('<a __proto__="x" b="1"/>');
    expect(el.attrs.__proto__).toBe("x");
    expect(Object.keys(el.attrs)).toEqual(["__proto__", "b"]);
    expect(el.attrs.constructor).toBeUndefined();
    expect(el.attrs.toString).toBeUndefined();
  });

  it("reports what went wrong and where", () => {
    const err = refusal("<a><b></c></a>");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("XmlError");
    expect(err.code).toBe("syntax");
    expect(err.offset).toBe(6);
    expect(err.message).toMatch(/end tag.*offset 6/);
    expect(refusal("<a>ok\u0001</a>").offset).toBe(5);
  });
});

describe("refuses constructs outside the subset", () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>`;

  it.each([
    ["billion laughs", billionLaughs],
    ["billion laughs without the declaration", billionLaughs.slice(billionLaughs.indexOf("<!DOCTYPE"))],
    ["DOCTYPE", "<!DOCTYPE a><a/>"],
    ["external entity", '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'],
    ["other <! declaration", "<!ELEMENT a ANY><a/>"],
    ["comment before the root", "<!-- hi --><a/>"],
    ["comment inside", "<a><!-- hi --></a>"],
    ["comment after the root", "<a/><!-- hi -->"],
    ["CDATA", "<a><![CDATA[<b/>]]></a>"],
    ["processing instruction", "<?php echo 1; ?><a/>"],
    ["processing instruction inside", "<a><?pi data?></a>"],
    ["processing instruction after the root", "<a/>\n<?pi?>"],
    ["xml declaration", '<?xml version="1.0" encoding="UTF-8"?><a/>'],
    ["custom entity in text", "<a>&foo;</a>"],
    ["custom entity in an attribute", '<a x="&foo;"/>'],
    ["HTML entity", "<a>&nbsp;</a>"],
    ["namespace prefix on an element", "<x:a/>"],
    ["namespace prefix on an end tag", "<a></a:b>"],
    ["namespace prefix on an attribute", '<a x:b="1"/>'],
    ["namespace declaration", '<a xmlns:x="urn:x"/>'],
    ["leading colon", "<:a/>"],
  ])("%s", (_, input) => {
    expect(codeOf(input)).toBe("forbidden");
  });

  it("refuses the xml declaration in bytes too", () => {
    expect(codeOf(utf8('<?xml version="1.0"?><a/>'))).toBe("forbidden");
  });
});

describe("refuses malformed input", () => {
  it.each([
    ["empty input", ""],
    ["only whitespace", " \r\n\t "],
    ["text only", "hello"],
    ["unclosed root", "<a>"],
    ["unclosed child", "<a><b></a>"],
    ["unclosed with text", "<a>text"],
    ["truncated start tag", "<a"],
    ["truncated attribute", '<a x="1'],
    ["truncated end tag", "<a></a"],
    ["lone <", "<"],
    ["mismatched end tag", "<a></b>"],
    ["end tag without start", "</a>"],
    ["two roots", "<a/><b/>"],
    ["text after the root", "<a/>x"],
    ["text before the root", "x<a/>"],
    ["BOM in a string", "\uFEFF<a/>"],
    ["duplicate attributes", '<a x="1" x="2"/>'],
    ["unquoted attribute", "<a x=1/>"],
    ["attribute without value", "<a x/>"],
    ["attributes without whitespace between", '<a x="1"y="2"/>'],
    ["mismatched quotes", `<a x="1'/>`],
    ["< in an attribute", '<a x="<"/>'],
    ["space after <", "< a/>"],
    ["name starting with a digit", "<1a/>"],
    ["non-ASCII name", "<é/>"],
    ["bad character in a name", "<a$/>"],
    ["bad self-closing", "<a / >"],
    ["bare &", "<a>fish & chips</a>"],
    ["unterminated reference", "<a>&amp</a>"],
    ["empty reference", "<a>&;</a>"],
    ["& in an attribute", '<a x="a&b"/>'],
    ["&#0;", "<a>&#0;</a>"],
    ["&#xD800;", "<a>&#xD800;</a>"],
    ["&#xDFFF; in an attribute", '<a x="&#xDFFF;"/>'],
    ["&#x110000;", "<a>&#x110000;</a>"],
    ["&#1; (control character)", "<a>&#1;</a>"],
    ["&#xFFFE;", "<a>&#xFFFE;</a>"],
    ["&#X41; (upper-case X)", "<a>&#X41;</a>"],
    ["&#-1;", "<a>&#-1;</a>"],
    ["&#x;", "<a>&#x;</a>"],
    ["&#12a;", "<a>&#12a;</a>"],
    ["huge numeric reference", "<a>&#99999999999999;</a>"],
    ["literal NUL", "<a>\u0000</a>"],
    ["literal control character in an attribute", '<a x="\u001b"/>'],
    ["literal U+FFFF", "<a>\uFFFF</a>"],
  ])("%s", (_, input) => {
    expect(codeOf(input)).toBe("syntax");
  });

  it("accepts the edge cases next to those", () => {
    expect(parseXml("<a>&#x9;&#xA;&#xD;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;&#0065;</a>").text).toBe(
      "\t\n\r \uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}A",
    );
  });

  it.each([
    ["a stray continuation byte", [0x3c, 0x61, 0x3e, 0x80, 0x3c, 0x2f, 0x61, 0x3e]],
    ["an invalid byte", [0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]],
    ["an overlong encoding of '<'", [0x3c, 0x61, 0x3e, 0xc0, 0xbc, 0x3c, 0x2f, 0x61, 0x3e]],
    ["an encoded surrogate", [0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]],
    ["a truncated sequence at the end", [0x3c, 0x61, 0x2f, 0x3e, 0xe2, 0x82]],
  ])("refuses invalid UTF-8: %s", (_, bytes) => {
    expect(codeOf(new Uint8Array(bytes))).toBe("encoding");
  });

  it("refuses lone surrogates in strings", () => {
    expect(codeOf("<a>\uD83D</a>")).toBe("encoding");
    expect(codeOf('<a x="\uDE00"/>')).toBe("encoding");
  });

  it("refuses mixed content", () => {
    for (const input of ["<a>hi<b/></a>", "<a><b/>hi</a>", "<a><b/> hi <c/></a>", "<a><b/>&#65;</a>", "<a>&#65;<b/></a>"]) {
      const err = refusal(input);
      expect(err.code, input).toBe("syntax");
      expect(err.message, input).toMatch(/mixed content/);
    }
  });
});

describe("limits", () => {
  it("has the documented defaults", () => {
    expect(DEFAULT_XML_LIMITS).toEqual({
      maxBytes: 65536,
      maxDepth: 8,
      maxAttributes: 16,
      maxChildren: 256,
      maxNameLength: 64,
      maxAttributeLength: 1024,
      maxTextLength: 65536,
    });
  });

  it("maxBytes, as a string or bytes", () => {
    const atLimit = `<a>${"x".repeat(65536 - 7)}</a>`;
    expect(utf8(atLimit).length).toBe(65536);
    expect(parseXml(atLimit).text).toHaveLength(65529);
    expect(parseXml(utf8(atLimit)).text).toHaveLength(65529);
    const over = `<a>${"x".repeat(65536 - 6)}</a>`;
    expect(codeOf(over)).toBe("too-large");
    expect(codeOf(utf8(over))).toBe("too-large");
    // Refused before parsing: a huge malformed document reports its size, not its syntax.
    expect(codeOf("<".repeat(1_000_000))).toBe("too-large");
  });

  it("maxBytes counts UTF-8 bytes, not UTF-16 units", () => {
    // "é" is 1 unit but 2 bytes; "😀" is 2 units but 4 bytes.
    const doc = (s: string) => `<a>${s}</a>`; // 7 bytes of markup
    expect(parseXml(doc("é".repeat(10)), { maxBytes: 27 }).text).toBe("é".repeat(10));
    expect(codeOf(doc("é".repeat(10)), { maxBytes: 26 })).toBe("too-large");
    expect(parseXml(doc("😀".repeat(5)), { maxBytes: 27 }).text).toBe("😀".repeat(5));
    expect(codeOf(doc("😀".repeat(5)), { maxBytes: 26 })).toBe("too-large");
    expect(codeOf(doc("€".repeat(7)), { maxBytes: 27 })).toBe("too-large"); // 28 bytes in 14 units
  });

  it("maxDepth (the root is depth 1)", () => {
    expect(parseXml(nest(8)).name).toBe("a");
    expect(parseXml(nest(7, "<b/>")).name).toBe("a");
    expect(codeOf(nest(9))).toBe("too-deep");
    expect(codeOf(nest(8, "<b/>"))).toBe("too-deep");
    expect(parseXml(nest(3), { maxDepth: 3 }).name).toBe("a");
    expect(codeOf(nest(4), { maxDepth: 3 })).toBe("too-deep");
    // A deep document is refused at the limit, not after exhausting the stack.
    expect(codeOf(nest(5000))).toBe("too-deep");
  });

  it("maxAttributes", () => {
    expect(Object.keys(parseXml(withAttrs(16)).attrs)).toHaveLength(16);
    expect(codeOf(withAttrs(17))).toBe("too-many-attributes");
    expect(codeOf(withAttrs(3), { maxAttributes: 2 })).toBe("too-many-attributes");
  });

  it("maxChildren", () => {
    expect(parseXml(withChildren(256)).children).toHaveLength(256);
    expect(codeOf(withChildren(257))).toBe("too-many-children");
    expect(parseXml(withChildren(2), { maxChildren: 2 }).children).toHaveLength(2);
    expect(codeOf(withChildren(3), { maxChildren: 2 })).toBe("too-many-children");
  });

  it("maxNameLength, for elements and attributes", () => {
    const n64 = "n".repeat(64);
    const n65 = "n".repeat(65);
    expect(parseXml(`<${n64}></${n64}>`).name).toBe(n64);
    expect(codeOf(`<${n65}/>`)).toBe("too-long");
    expect(parseXml(`<a ${n64}="1"/>`).attrs[n64]).toBe("1");
    expect(codeOf(`<a ${n65}="1"/>`)).toBe("too-long");
    expect(codeOf(`<abcd/>`, { maxNameLength: 3 })).toBe("too-long");
  });

  it("maxAttributeLength, after decoding", () => {
    expect(parseXml(`<a x="${"v".repeat(1024)}"/>`).attrs.x).toHaveLength(1024);
    expect(codeOf(`<a x="${"v".repeat(1025)}"/>`)).toBe("too-long");
    expect(parseXml(`<a x="${"&amp;".repeat(1024)}"/>`).attrs.x).toBe("&".repeat(1024));
    expect(codeOf(`<a x="${"&amp;".repeat(1025)}"/>`)).toBe("too-long");
  });

  it("maxTextLength, after decoding", () => {
    expect(parseXml(`<a>${"&lt;".repeat(10)}</a>`, { maxTextLength: 10 }).text).toBe("<".repeat(10));
    expect(codeOf(`<a>${"&lt;".repeat(11)}</a>`, { maxTextLength: 10 })).toBe("too-long");
    // Whitespace between children is not text.
    expect(parseXml(`<a>${" ".repeat(50)}<b/>${" ".repeat(50)}</a>`, { maxTextLength: 10 }).children).toHaveLength(1);
  });

  it("an explicit undefined keeps the default instead of disabling a limit", () => {
    expect(codeOf(nest(9), { maxDepth: undefined })).toBe("too-deep");
  });
});

describe("element, serializeXml and round trips", () => {
  it("builds elements: drops undefined attributes, stringifies numbers, keeps order", () => {
    const el = element("receipt", { id: "r1", from: undefined, t: 1700000000000, type: "read" });
    expect(el).toEqual({ name: "receipt", attrs: { id: "r1", t: "1700000000000", type: "read" }, children: [], text: "" });
    expect(serializeXml(el)).toBe('<receipt id="r1" t="1700000000000" type="read"/>');
    expect(serializeXml(element("a"))).toBe("<a/>");
    expect(serializeXml(element("a", {}, ""))).toBe("<a/>");
  });

  it("does not share the caller's children array", () => {
    const kids = [element("b")];
    const el = element("a", {}, kids);
    kids.push(element("c"));
    expect(el.children).toHaveLength(1);
  });

  it("escapes special characters", () => {
    const el = element("a", { q: `<"'&>` }, `<b> & "c" 'd'`);
    expect(serializeXml(el)).toBe(`<a q="&lt;&quot;'&amp;&gt;">&lt;b&gt; &amp; "c" 'd'</a>`);
    expect(roundTrip(el)).toEqual(el);
  });

  it("round-trips whitespace exactly, in attributes and text", () => {
    const el = element("a", {}, [element("b", { ws: " \t\n\r x \r\n" }, "\r\n \t line\r\n"), element("c", {}, "   ")]);
    expect(serializeXml(el)).toBe('<a><b ws=" &#9;&#10;&#13; x &#13;&#10;">&#13;\n \t line&#13;\n</b><c>   </c></a>');
    expect(roundTrip(el)).toEqual(el);
  });

  it("round-trips unicode and emoji", () => {
    const el = element("message", { name: "Zoë 😀 日本語", rtl: "\u05e9\u05dc\u05d5\u05dd" }, [
      element("body", { lang: "ja" }, "こんにちは 👋🏽 — “quotes” \u{10FFFF}"),
      element("empty"),
    ]);
    expect(roundTrip(el)).toEqual(el);
    expect(parseXml(utf8(serializeXml(el)))).toEqual(el);
  });

  it("round-trips what it parses", () => {
    for (const doc of [STANZA, `<a x='&apos;"'>&#x1F600; &lt;&gt;</a>`, "<a>\n <b c='1'/>\n</a>", '<a xmlns="urn:x" _.-="9"/>']) {
      const el = parseXml(doc);
      expect(roundTrip(el), doc).toEqual(el);
    }
  });

  it.each(["", "1a", "a b", "a:b", "a>", "é", "-a", ".a", "a/"])("rejects the name %j", (name) => {
    expect(() => element(name)).toThrow(TypeError);
    expect(() => element("a", { [name]: "1" })).toThrow(TypeError);
  });

  it("rejects characters XML cannot carry", () => {
    expect(() => element("a", { x: "\u0000" })).toThrow(TypeError);
    expect(() => element("a", {}, "bell\u0007")).toThrow(TypeError);
    expect(() => element("a", {}, "lone \uD800")).toThrow(TypeError);
    expect(() => element("a", {}, "\uFFFF")).toThrow(TypeError);
    expect(element("a", {}, "tab\t nl\n cr\r 😀").text).toBe("tab\t nl\n cr\r 😀");
  });

  it("refuses to serialize hand-made elements that would not parse back", () => {
    const bad = (e: Partial<XmlElement>): XmlElement => ({ name: "a", attrs: {}, children: [], text: "", ...e });
    expect(() => serializeXml(bad({ name: "a><script" }))).toThrow(TypeError);
    expect(() => serializeXml(bad({ attrs: { 'x="1" y': "2" } }))).toThrow(TypeError);
    expect(() => serializeXml(bad({ children: [element("b")], text: "t" }))).toThrow(TypeError);
  });
});

describe("large inputs", () => {
  it("parses a 60 KB text node", () => {
    const payload = "QUJD".repeat(15_000);
    const el = parseXml(utf8(`<message id="m1"><enc device="d1" type="msg">${payload}</enc></message>`));
    expect(child(el, "enc")?.text).toBe(payload);
  });

  it("parses an element with 256 children with attributes", () => {
    const doc = `<iq id="q">${Array.from({ length: 256 }, (_, k) => `<item id="i${k}" v='${k}'/>`).join("")}</iq>`;
    const el = parseXml(doc);
    expect(el.children).toHaveLength(256);
    expect(el.children[255]?.attrs).toEqual({ id: "i255", v: "255" });
  });

  it("stays linear on inputs built to make scanners backtrack", () => {
    // Each of these would be quadratic for a parser that rescans ahead from every position.
    expect(codeOf(`<a>${"&".repeat(60_000)}</a>`)).toBe("syntax");
    expect(codeOf(`<a>${"&#".repeat(30_000)}</a>`)).toBe("syntax");
    expect(parseXml(`<a>${"&amp;".repeat(13_000)}</a>`).text).toHaveLength(13_000);
    expect(parseXml(`<a>${">".repeat(60_000)}</a>`).text).toHaveLength(60_000);
    expect(codeOf(`<a x="${"a".repeat(60_000)}`)).toBe("syntax");
    expect(codeOf(`<a ${"x".repeat(60_000)}`)).toBe("too-long");
    expect(codeOf(`<a>${"<b>".repeat(20_000)}`)).toBe("too-deep");
    expect(codeOf(`<a>${"<b/>".repeat(16_000)}</a>`)).toBe("too-many-children");
    expect(codeOf(withAttrs(3_000))).toBe("too-many-attributes");
    expect(codeOf(`<a>${" ".repeat(60_000)}`)).toBe("syntax");
  });
});

describe("fuzz", () => {
  /** mulberry32: small, fast and deterministic, so a failure reproduces from its iteration number. */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const BASE = `<message id="m1" to='abc' type="chat">\n  <enc device="d1" type="pkmsg">QUJD&amp;&#x41;</enc>\n  <enc device="d2" type="msg">REVG</enc>\n</message>`;
  const TOKENS = ["<", ">", "/", "&", ";", "=", '"', "'", " ", ":", "!", "?", "#", "x", "<!--", "<![CDATA[", "<?xml ?>", "&lt;", "&#0;", "&#x1F600;", "&foo;", "</enc>", "<enc>", "<a/>", "é", "😀", "\u0000"];

  /** "parsed" (and round-tripped) or "refused" with a sane XmlError; anything else is a description of the failure. */
  function check(input: string | Uint8Array): string {
    let el: XmlElement;
    try {
      el = parseXml(input);
    } catch (err) {
      if (!(err instanceof XmlError)) return `threw ${String(err)}`;
      if (!Number.isInteger(err.offset) || err.offset < 0 || err.offset > input.length) return `offset ${err.offset} out of range`;
      return "refused";
    }
    if (typeof el.name !== "string" || !Array.isArray(el.children) || typeof el.text !== "string") return "returned a non-element";
    try {
      expect(parseXml(serializeXml(el))).toEqual(el);
    } catch (err) {
      return `did not round-trip: ${String(err)}`;
    }
    return "parsed";
  }

  it("never fails with anything but an XmlError on mutated bytes", () => {
    const rand = prng(0x9a7e1);
    const pick = (n: number) => Math.floor(rand() * n);
    const base = utf8(BASE);
    const failures: string[] = [];
    let parsed = 0;
    for (let iter = 0; iter < 3000; iter++) {
      let bytes = Array.from(base);
      for (let m = 1 + pick(4); m > 0; m--) {
        const at = pick(bytes.length + 1);
        switch (pick(5)) {
          case 0: // overwrite with any byte, invalid UTF-8 included
            bytes[Math.min(at, bytes.length - 1)] = pick(256);
            break;
          case 1: // insert a syntax-significant token
            bytes.splice(at, 0, ...utf8(TOKENS[pick(TOKENS.length)] ?? ""));
            break;
          case 2: // delete a short run
            bytes.splice(at, 1 + pick(8));
            break;
          case 3: // truncate
            bytes = bytes.slice(0, at);
            break;
          default: // duplicate a run elsewhere
            bytes.splice(pick(bytes.length + 1), 0, ...bytes.slice(at, at + 1 + pick(20)));
        }
      }
      const input = new Uint8Array(bytes);
      const outcome = check(input);
      if (outcome === "parsed") parsed++;
      else if (outcome !== "refused") failures.push(`iteration ${iter}: ${outcome}: ${new TextDecoder().decode(input)}`);
    }
    expect(failures).toEqual([]);
    // Sanity: the mutations exercise both outcomes.
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(2900);
  });

  it("never fails with anything but an XmlError on mutated strings", () => {
    const rand = prng(0x5eed);
    const pick = (n: number) => Math.floor(rand() * n);
    const failures: string[] = [];
    for (let iter = 0; iter < 2000; iter++) {
      let s = BASE;
      for (let m = 1 + pick(3); m > 0; m--) {
        const at = pick(s.length + 1);
        // Any UTF-16 unit, so lone surrogates and control characters reach the parser too.
        const insert = pick(2) === 0 ? String.fromCharCode(pick(0x10000)) : (TOKENS[pick(TOKENS.length)] ?? "");
        s = pick(3) === 0 ? s.slice(0, at) + s.slice(at + 1 + pick(5)) : s.slice(0, at) + insert + s.slice(at);
      }
      const outcome = check(s);
      if (outcome !== "parsed" && outcome !== "refused") failures.push(`iteration ${iter}: ${outcome}: ${JSON.stringify(s)}`);
    }
    expect(failures).toEqual([]);
  });
});
