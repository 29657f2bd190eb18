import { XML_NAME, type XmlElement } from "./element.ts";

/*
 * Tab, LF and CR are written as references too. Our parser keeps them literally either way,
 * but a standard XML parser would turn them into spaces in attribute values and turn CR LF
 * into LF in text; references survive both, so the output means the same to any reader.
 */
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const TEXT_SPECIAL = /[&<>\r]/g;
const REPLACEMENTS: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};
const replace = (c: string): string => REPLACEMENTS[c] ?? c;

/**
 * Writes an element as XML that parseXml reads back to an equal element. Attributes are
 * double-quoted, in insertion order; an element with neither children nor text is written
 * self-closing.
 *
 * Names are checked again here although element() already did: XmlElement is an interface,
 * so a hand-made object can reach us, and names are the one part written without escaping.
 *
 * @throws TypeError on an invalid name, or an element that has both children and text.
 */
export function serializeXml(el: XmlElement): string {
  checkName(el.name);
  let out = "<" + el.name;
  for (const key of Object.keys(el.attrs)) {
    checkName(key);
    out += " " + key + '="' + (el.attrs[key] ?? "").replace(ATTR_SPECIAL, replace) + '"';
  }
  if (el.children.length > 0) {
    if (el.text !== "") throw new TypeError(`<${el.name}> has both children and text`);
    out += ">";
    for (const c of el.children) out += serializeXml(c);
    return out + "</" + el.name + ">";
  }
  if (el.text === "") return out + "/>";
  return out + ">" + el.text.replace(TEXT_SPECIAL, replace) + "</" + el.name + ">";
}

function checkName(name: string): void {
  if (!XML_NAME.test(name)) throw new TypeError(`invalid XML name: ${JSON.stringify(name)}`);
}
