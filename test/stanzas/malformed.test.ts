import { describe, expect, it } from "vitest";
import { utf8 } from "../../protocol/bytes.ts";
import { readServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { goOnline } from "../helpers/users.ts";

describe("malformed stanzas are nacked with a reason, and the session carries on", () => {
  it("answers each bad stanza and still works afterwards", async () => {
    const alice = await goOnline(await newDevice());
    const answers: ReturnType<typeof readServerStanza>[] = [];
    alice.conn.on("stanza", (bytes) => answers.push(readServerStanza(parseXml(bytes))));
    const to = alice.device.networkId;
    const cases: [string, string, string | undefined][] = [
      ["not xml at all", "malformed", undefined],
      ['<!DOCTYPE x [<!ENTITY a "aaaa">]><message/>', "malformed", undefined],
      ["<message id='m1' to='nope' type='chat'><enc device='d' type='msg'>QQ==</enc></message>", "malformed", "m1"],
      [`<message id='m2' to='${to}' type='chat'/>`, "malformed", "m2"],
      [`<message id='m3' to='${to}' type='chat'><enc device='d' type='msg'>not base64!</enc></message>`, "malformed", "m3"],
      [`<message id='m4' to='${to}' type='chat'><body>plaintext</body></message>`, "malformed", "m4"],
      [`<message id='m5' to='${to}' type='groupchat'><enc device='d' type='msg'>QQ==</enc></message>`, "malformed", "m5"],
      ["<teleport id='t1'/>", "unsupported", "t1"],
      ["<iq id='q1' type='get'><time/></iq>", "unsupported", "q1"],
      ["<iq id='q2' type='get'/>", "malformed", "q2"],
      [`<receipt id='r1' to='${to}' type='seen'/>`, "malformed", "r1"],
      ["<message id='bad id with spaces'/>", "malformed", undefined],
      [`<a>${"<a>".repeat(20)}${"</a>".repeat(21)}`, "malformed", undefined],
    ];
    for (const [xml] of cases) await alice.conn.send(xml);
    await alice.messenger.ping();
    const nacks = answers.filter((a) => a.kind === "nack");
    expect(nacks).toHaveLength(cases.length);
    cases.forEach(([xml, code, id], i) => {
      expect(nacks[i], xml).toMatchObject({ kind: "nack", code, id });
      expect((nacks[i] as { text: string }).text.length, xml).toBeGreaterThan(0);
    });
    alice.conn.close();
  });

  it("a stanza over the size limit is nacked as too-large", async () => {
    const alice = await goOnline(await newDevice());
    const answer = new Promise<ReturnType<typeof readServerStanza>>((resolve) =>
      alice.conn.on("stanza", (b) => {
        const s = readServerStanza(parseXml(b));
        if (s.kind === "nack") resolve(s);
      }),
    );
    await alice.conn.send(utf8.encode(`<x>${"a".repeat(65_400)}</x>`));
    expect(await answer).toMatchObject({ kind: "nack", code: "too-large" });
    alice.conn.close();
  });
});

describe("nack texts", () => {
  it("are cut without splitting a surrogate pair", async () => {
    const { nack } = await import("../../protocol/stanzas/index.ts");
    const { serializeXml } = await import("../../protocol/xml/index.ts");
    const text = `${"a".repeat(255)}😀tail`;
    const el = nack("message", "m1", "malformed", text);
    expect(el.attrs.text).toBe("a".repeat(255));
    expect(() => serializeXml(el)).not.toThrow();
  });
});
