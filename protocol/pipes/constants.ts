import { utf8 } from "../bytes.ts";

/** Noise Pipes suites (spec §10.4) used by Parley. */
export const PROTOCOL = {
  XX: "Noise_XX_25519_AESGCM_SHA256",
  IK: "Noise_IK_25519_AESGCM_SHA256",
  FALLBACK: "Noise_XXfallback_25519_AESGCM_SHA256",
} as const;

/** Bound into every handshake: a peer speaking another protocol or version fails authentication. */
export const PROLOGUE = utf8.encode("Parley Noise Pipes v1");

/**
 * Handshake WebSocket messages carry one tag byte before the Noise message so each side
 * knows which pattern to run. The tag is not secret and needs no protection of its own: the
 * protocol name is hashed into the handshake, so a flipped tag makes the handshake fail.
 */
export const FrameTag = {
  XX_1: 0x01,
  IK_1: 0x02,
  CLIENT_FINISH: 0x03,
  XX_2: 0x11,
  IK_2: 0x12,
  FALLBACK_2: 0x13,
} as const;

/**
 * Transport plaintexts start with a channel byte: stanzas (UTF-8 XML) and transport
 * control (protobuf Control: ready, ping/pong, errors) never share a parser. STANZAS carries
 * several stanzas, length-prefixed (stanza-batch.ts); a peer sends it only to a peer that
 * said it reads it (ClientHello / Ready `stanza_batches`).
 */
export const Channel = {
  STANZA: 0x00,
  CONTROL: 0x01,
  STANZAS: 0x02,
} as const;
export type ChannelId = (typeof Channel)[keyof typeof Channel];

/** Largest transport payload: one Noise message minus the AEAD tag and the channel byte. */
export const MAX_TRANSPORT_PAYLOAD = 65535 - 16 - 1;
