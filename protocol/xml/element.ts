/** One element of a stanza. Produced by parseXml and element(); consumed by serializeXml. */
export interface XmlElement {
  readonly name: string;
  /**
   * Attributes in document (or insertion) order. Null-prototype objects, so a lookup of a
   * name that is absent, such as `attrs.constructor` or `attrs.__proto__`, is undefined
   * rather than something inherited from Object.prototype.
   */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Text content (entities decoded). An element has either children or non-whitespace text, never both. */
  readonly text: string;
}

/**
 * The names our subset accepts: ASCII only and no colon, so there are no namespace prefixes
 * to resolve. Anchored, one character class per position: no backtracking.
 */
export const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * The first character outside XML 1.0's Char production: C0 controls other than tab/LF/CR,
 * U+FFFE/U+FFFF, and (thanks to the u flag, which treats a proper pair as one code point)
 * lone surrogates. Use with String#search; the class has no quantifier, so it is linear.
 */
export const INVALID_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Builds an element, enforcing the same rules the parser does, so that anything built here
 * serializes to XML that parseXml accepts and reads back identically. Size limits are not
 * checked: they depend on the parser's configuration, and the sender's own output is trusted.
 *
 * @param attrs undefined values are omitted (handy for optional attributes); numbers are stringified.
 * @param content child elements, or the element's text.
 * @throws TypeError on a name outside [A-Za-z_][A-Za-z0-9_.-]*, or on a character XML cannot carry.
 */
export function element(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  content: readonly XmlElement[] | string = [],
): XmlElement {
  assertName(name, "element");
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(attrs)) {
    const raw = attrs[key];
    if (raw === undefined) continue;
    assertName(key, "attribute");
    const value = String(raw);
    assertChars(value, `attribute ${key}`);
    out[key] = value;
  }
  if (typeof content === "string") {
    assertChars(content, `text of <${name}>`);
    return { name, attrs: out, children: [], text: content };
  }
  // Copied so that later changes to the caller's array cannot alter an element already built.
  return { name, attrs: out, children: content.slice(), text: "" };
}

/** The first child with that name, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

function assertName(name: string, what: string): void {
  if (!XML_NAME.test(name)) throw new TypeError(`invalid XML ${what} name: ${JSON.stringify(name)}`);
}

function assertChars(value: string, where: string): void {
  const at = value.search(INVALID_XML_CHAR);
  if (at >= 0) throw new TypeError(`${where} contains a character XML cannot carry (U+${value.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0")} at index ${at})`);
}
