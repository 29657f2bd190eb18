import { offlineMarker } from "../protocol/stanzas/index.ts";
import { utf8 } from "../protocol/bytes.ts";
import type { Inbox } from "./inbox.ts";
import { sendStanza, sendStanzas } from "./session-sender.ts";
import { readAttachment } from "./socket-attachment.ts";

const BATCH = 64;

/**
 * Sends a device everything in its inbox it has not been sent on this session, in order.
 * The first run after the session opens ends with the end-of-backlog marker. The same call
 * serves replay on connect and live delivery, so the two can never overlap or reorder.
 */
export async function flushInbox(ws: WebSocket, inbox: Inbox): Promise<void> {
  let sent = 0;
  for (;;) {
    const attachment = readAttachment(ws);
    if (attachment?.phase !== "open") return;
    const rows = inbox.pending(attachment.deviceId, attachment.lastSentSeq, BATCH);
    // As few transport messages as the device reads; each records the cursor of its last row.
    await sendStanzas(ws, rows, (row) => utf8.encode(row.stanza), (a, last) => ({ ...a, lastSentSeq: last.seq }));
    sent += rows.length;
    if (rows.length < BATCH) break;
  }
  const attachment = readAttachment(ws);
  if (attachment?.phase === "open" && !attachment.backlogSent) {
    await sendStanza(ws, offlineMarker(sent), (a) => ({ ...a, backlogSent: true }));
  }
}
