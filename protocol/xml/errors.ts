/**
 * Why a document was refused. Callers map these to wire-level reasons (e.g. "too-large" vs
 * "malformed"), so the set only ever grows.
 */
export type XmlErrorCode =
  | "too-large" // the whole document is over maxBytes
  | "too-deep" // nesting over maxDepth
  | "too-many-attributes" // one element has more than maxAttributes
  | "too-many-children" // one element has more than maxChildren
  | "too-long" // a name, attribute value or text over its length limit
  | "forbidden" // valid XML outside our subset: DOCTYPE, comments, CDATA, PIs, custom entities, prefixes
  | "syntax" // not well-formed, or a character XML does not allow
  | "encoding"; // not valid UTF-8 (bytes) or a lone surrogate (strings)

export class XmlError extends Error {
  /**
   * @param offset index in the decoded string where the problem was detected. The message
   * deliberately never quotes the input: it is echoed back to peers (e.g. in a nack), and
   * quoting attacker-controlled bytes there would invite injection and oversized replies.
   */
  constructor(
    readonly code: XmlErrorCode,
    description: string,
    readonly offset: number,
  ) {
    super(`${description} at offset ${offset}`);
    this.name = "XmlError";
  }
}
