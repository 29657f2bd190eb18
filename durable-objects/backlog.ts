import { offlineMarker } from "../protocol/stanzas/index.ts";
import { utf8 } from "../protocol/bytes.ts";
import type { Inbox, InboxRow } from "./inbox.ts";
import { sendStanza, sendStanzas } from "./session-sender.ts";
import { readAttachment } from "./socket-attachment.ts";

const BATCH = 64;
/** Rows a live feed holds for a socket that is slow to take them; beyond this it reads the table again. */
const MAX_FEED = 256;

/**
 * What a session still has to be sent, without reading the table back: once a flush has
 * read the device's inbox to its end, every row stored after that is handed to the feed
 * (offerLive) and sent from memory. Kept in memory only, so a socket that wakes after
 * hibernation reads the table first; `through` (the highest seq sent or queued) keeps a
 * row from ever being queued twice.
 */
interface Feed {
  caughtUp: boolean;
  through: number;
  rows: InboxRow[];
  /** Rows sent on this session that the device has not acked yet, as far as counted (see holdsLive). */
  unacked: number;
}

const feeds = new WeakMap<WebSocket, Feed>();

function feedOf(ws: WebSocket): Feed {
  let feed = feeds.get(ws);
  if (!feed) feeds.set(ws, (feed = { caughtUp: false, through: 0, rows: [], unacked: 0 }));
  return feed;
}

/** A device with this many rows unacked is taking a stream: new rows wait for its acks. */
const STREAMING = 2;

/**
 * Whether new rows for this socket should wait for the device's next ack (Nagle's rule): a
 * device with several rows unacked is busy with them, and its acks come soon; rows that pile
 * up meanwhile then leave in one batch. Without this, a steady stream settles into one
 * stanza per frame at each hop, the most expensive way to move it. One row unacked is a
 * conversation, not a stream (the reply to a message races its ack), so it never holds
 * anything back. The caller bounds the wait with a timer, so a device that never acks still
 * gets its rows.
 */
export function holdsLive(ws: WebSocket): boolean {
  const feed = feeds.get(ws);
  return feed?.caughtUp === true && feed.unacked >= STREAMING && feed.rows.length > 0;
}

/** The device acked `count` stanzas on this socket; true if rows wait for it (the caller flushes). */
export function ackArrived(ws: WebSocket, count: number): boolean {
  const feed = feeds.get(ws);
  if (!feed) return false;
  feed.unacked = Math.max(0, feed.unacked - count);
  return feed.rows.length > 0 && feed.unacked < STREAMING;
}

/** Rows just stored for this socket's device; the caller then schedules a flush. */
export function offerLive(ws: WebSocket, rows: readonly InboxRow[]): void {
  const feed = feeds.get(ws);
  if (!feed?.caughtUp) return;
  for (const row of rows) {
    if (row.seq <= feed.through) continue;
    feed.rows.push(row);
    feed.through = row.seq;
  }
  if (feed.rows.length > MAX_FEED) forgetLive(ws);
}

/** Back to reading the table (some stored rows were not offered). */
export function forgetLive(ws: WebSocket): void {
  const feed = feeds.get(ws);
  if (!feed) return;
  feed.caughtUp = false;
  feed.rows = [];
}

/**
 * Sends a device everything in its inbox it has not been sent on this session, in order.
 * The first run after the session opens ends with the end-of-backlog marker. The same call
 * serves replay on connect and live delivery, so the two can never overlap or reorder.
 */
export async function flushInbox(ws: WebSocket, inbox: Inbox): Promise<void> {
  const feed = feedOf(ws);
  let sent = 0;
  const send = async (rows: readonly InboxRow[]) => {
    // As few transport messages as the device reads; each records the cursor of its last row.
    await sendStanzas(ws, rows, (row) => utf8.encode(row.stanza), (a, last) => ({ ...a, lastSentSeq: last.seq }));
    sent += rows.length;
    feed.unacked += rows.length;
  };
  while (!feed.caughtUp) {
    const attachment = readAttachment(ws);
    if (attachment?.phase !== "open") return;
    const rows = inbox.pending(attachment.deviceId, attachment.lastSentSeq, BATCH);
    if (rows.length < BATCH) {
      // The end of the table, read synchronously with this: rows stored from now on are offered.
      Object.assign(feed, { caughtUp: true, through: rows.at(-1)?.seq ?? attachment.lastSentSeq, rows: [] });
    }
    await send(rows);
  }
  while (feed.caughtUp && feed.rows.length > 0) {
    if (readAttachment(ws)?.phase !== "open") return;
    await send(feed.rows.splice(0, BATCH));
  }
  // Rows dropped by forgetLive while this ran are sent by the flush that dropping schedules.
  const attachment = readAttachment(ws);
  if (attachment?.phase === "open" && !attachment.backlogSent) {
    await sendStanza(ws, offlineMarker(sent), (a) => ({ ...a, backlogSent: true }));
  }
}
