// The stanza XML codec: a strict, bounded subset of XML 1.0 (see parse.ts for what is refused).
export { child, element, type XmlElement } from "./element.ts";
export { XmlError, type XmlErrorCode } from "./errors.ts";
export { DEFAULT_XML_LIMITS, parseXml, type XmlLimits } from "./parse.ts";
export { serializeXml } from "./serialize.ts";
