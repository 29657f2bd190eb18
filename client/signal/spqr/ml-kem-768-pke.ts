// K-PKE.Encrypt of FIPS 203 (ML-KEM-768 parameters), cut in two for the ML-KEM Braid's
// incremental encapsulation (docs/spqr-notes.md §6): part 1 makes c1 from ρ and the coins r
// alone, part 2 makes c2 from t̂, r and m. @noble/post-quantum 0.7 exports ML-KEM only as a
// whole (K-PKE is internal to ml-kem.js), so the pieces K-PKE needs are written here from
// FIPS 203, with its algorithm numbers; test/e2ee/incremental-mlkem768.test.ts proves the two
// parts together equal noble's ml_kem768.encapsulate byte for byte.
//
// Secret values (r, m, ŷ) go through the same kind of plain JS arithmetic as noble's own
// ML-KEM (% q, and a division by q in Compress); only the rejection loop of SampleNTT
// branches on data, and that data (Â, from ρ) is public.
import { shake128, shake256 } from "@noble/hashes/sha3.js";

/** FIPS 203 §8, Table 2: ML-KEM-768. */
const N = 256;
const Q = 3329;
const K = 3;
const ETA1 = 2;
const ETA2 = 2;
const DU = 10;
const DV = 4;

export const EK_VECTOR_LENGTH = 384 * K; // ByteEncode12(t̂)
export const CT1_LENGTH = 32 * DU * K; // 960
export const CT2_LENGTH = 32 * DV; // 128

type Poly = Uint16Array; // 256 coefficients in 0..q−1

const bitRev7 = (i: number) => {
  let r = 0;
  for (let b = 0; b < 7; b++) r |= ((i >> b) & 1) << (6 - b);
  return r;
};
const powMod = (base: number, e: number) => {
  let r = 1;
  for (let i = 0; i < e; i++) r = (r * base) % Q;
  return r;
};
/** ζ^BitRev7(i) (§4.3, ζ = 17), and ζ^(2·BitRev7(i)+1) for MultiplyNTTs (§4.3.1). */
const ZETAS = Uint16Array.from({ length: 128 }, (_, i) => powMod(17, bitRev7(i)));
const GAMMAS = Uint16Array.from({ length: 128 }, (_, i) => powMod(17, 2 * bitRev7(i) + 1));

/** Algorithm 9, NTT: in place. */
function ntt(f: Poly): Poly {
  let i = 1;
  for (let len = 128; len >= 2; len >>= 1)
    for (let start = 0; start < N; start += 2 * len) {
      const zeta = ZETAS[i++]!;
      for (let j = start; j < start + len; j++) {
        const t = (zeta * f[j + len]!) % Q;
        f[j + len] = (f[j]! - t + Q) % Q;
        f[j] = (f[j]! + t) % Q;
      }
    }
  return f;
}

/** Algorithm 10, NTT⁻¹: in place; 3303 = 128⁻¹ mod q. */
function nttInverse(f: Poly): Poly {
  let i = 127;
  for (let len = 2; len <= 128; len <<= 1)
    for (let start = 0; start < N; start += 2 * len) {
      const zeta = ZETAS[i--]!;
      for (let j = start; j < start + len; j++) {
        const t = f[j]!;
        f[j] = (t + f[j + len]!) % Q;
        f[j + len] = (zeta * ((f[j + len]! - t + Q) % Q)) % Q;
      }
    }
  for (let j = 0; j < N; j++) f[j] = (f[j]! * 3303) % Q;
  return f;
}

/** Algorithms 11 and 12, MultiplyNTTs with BaseCaseMultiply, accumulated into `acc`. */
function multiplyNttsInto(acc: Poly, f: Poly, g: Poly): void {
  for (let i = 0; i < 128; i++) {
    const a0 = f[2 * i]!, a1 = f[2 * i + 1]!, b0 = g[2 * i]!, b1 = g[2 * i + 1]!;
    const c0 = (a0 * b0 + ((a1 * b1) % Q) * GAMMAS[i]!) % Q;
    const c1 = (a0 * b1 + a1 * b0) % Q;
    acc[2 * i] = (acc[2 * i]! + c0) % Q;
    acc[2 * i + 1] = (acc[2 * i + 1]! + c1) % Q;
  }
}

/** Algorithm 7, SampleNTT: rejection sampling of a polynomial from SHAKE128(ρ ‖ b0 ‖ b1). */
function sampleNtt(rho: Uint8Array, b0: number, b1: number): Poly {
  const seed = new Uint8Array(34);
  seed.set(rho);
  seed[32] = b0;
  seed[33] = b1;
  const xof = shake128.create().update(seed);
  const a = new Uint16Array(N);
  let n = 0;
  while (n < N) {
    const c = xof.xof(168); // one SHAKE128 block: 56 candidate triples
    for (let o = 0; o + 3 <= c.length && n < N; o += 3) {
      const d1 = c[o]! | ((c[o + 1]! & 0x0f) << 8);
      const d2 = (c[o + 1]! >> 4) | (c[o + 2]! << 4);
      if (d1 < Q) a[n++] = d1;
      if (d2 < Q && n < N) a[n++] = d2;
    }
  }
  return a;
}

/** PRF_η(s, b) = SHAKE256(s ‖ b, 64·η) (§4.1), then Algorithm 8, SamplePolyCBD_η. */
function samplePolyCbd(eta: number, r: Uint8Array, counter: number): Poly {
  const input = new Uint8Array(33);
  input.set(r);
  input[32] = counter;
  const bytes = shake256(input, { dkLen: 64 * eta });
  const bit = (k: number) => (bytes[k >> 3]! >> (k & 7)) & 1;
  const f = new Uint16Array(N);
  for (let i = 0; i < N; i++) {
    let x = 0, y = 0;
    for (let j = 0; j < eta; j++) {
      x += bit(2 * i * eta + j);
      y += bit(2 * i * eta + eta + j);
    }
    f[i] = (x - y + Q) % Q;
  }
  return f;
}

/** Compress_d and Decompress_d (§4.2.1): rounding, ties up; q is odd so Compress has no ties. */
const compress = (x: number, d: number) => Math.floor((x * (1 << d) + (Q >> 1)) / Q) & ((1 << d) - 1);
const decompress = (y: number, d: number) => Math.floor((y * Q + (1 << (d - 1))) / (1 << d));

/** Algorithm 5, ByteEncode_d, of one polynomial (little-endian bit order). */
function byteEncode(f: Poly, d: number, out: Uint8Array, offset: number): void {
  let acc = 0, bits = 0, o = offset;
  for (let i = 0; i < N; i++) {
    acc |= f[i]! << bits;
    bits += d;
    while (bits >= 8) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
}

/** Algorithm 6, ByteDecode_d, of one polynomial: raw d-bit values (no reduction mod q). */
function byteDecode(bytes: Uint8Array, d: number, offset: number): Poly {
  const f = new Uint16Array(N);
  let acc = 0, bits = 0, o = offset;
  for (let i = 0; i < N; i++) {
    while (bits < d) {
      acc |= bytes[o++]! << bits;
      bits += 8;
    }
    f[i] = acc & ((1 << d) - 1);
    acc >>>= d;
    bits -= d;
  }
  return f;
}

/**
 * t̂ from ek_vector = ByteEncode12(t̂), or undefined if a coefficient is ≥ q: FIPS 203 §7.2's
 * modulus check (ek = ByteEncode12(ByteDecode12(ek))), which ML-KEM.Encaps requires.
 */
export function decodeEkVector(ekVector: Uint8Array): Poly[] | undefined {
  const tHat = Array.from({ length: K }, (_, i) => byteDecode(ekVector, 12, 384 * i));
  return tHat.every((p) => p.every((c) => c < Q)) ? tHat : undefined;
}

/** y (N = 0..k−1) and ŷ = NTT(y), from K-PKE.Encrypt's coins r (Algorithm 14, lines 9–12, 18). */
function yHat(r: Uint8Array): Poly[] {
  return Array.from({ length: K }, (_, i) => ntt(samplePolyCbd(ETA1, r, i)));
}

/**
 * Algorithm 14 (K-PKE.Encrypt), the c1 half: Â from ρ (lines 4–8), e1 (N = k..2k−1),
 * u = NTT⁻¹(Âᵀ ∘ ŷ) + e1 (line 19), c1 = ByteEncode_du(Compress_du(u)) (line 22).
 */
export function encryptC1(rho: Uint8Array, r: Uint8Array): Uint8Array {
  const y = yHat(r);
  const out = new Uint8Array(CT1_LENGTH);
  for (let i = 0; i < K; i++) {
    const u = new Uint16Array(N);
    // (Âᵀ)[i][j] = Â[j][i] = SampleNTT(ρ ‖ i ‖ j): Â[r][c] is seeded with ρ ‖ c ‖ r (line 6).
    for (let j = 0; j < K; j++) multiplyNttsInto(u, sampleNtt(rho, i, j), y[j]!);
    nttInverse(u);
    const e1 = samplePolyCbd(ETA2, r, K + i);
    for (let c = 0; c < N; c++) u[c] = compress((u[c]! + e1[c]!) % Q, DU);
    byteEncode(u, DU, out, 32 * DU * i);
  }
  return out;
}

/**
 * Algorithm 14, the c2 half: e2 (N = 2k, line 17), μ = Decompress_1(ByteDecode_1(m)) (line 20),
 * v = NTT⁻¹(t̂ᵀ ∘ ŷ) + e2 + μ (line 21), c2 = ByteEncode_dv(Compress_dv(v)) (line 23).
 */
export function encryptC2(tHat: readonly Poly[], m: Uint8Array, r: Uint8Array): Uint8Array {
  const y = yHat(r);
  const v = new Uint16Array(N);
  for (let i = 0; i < K; i++) multiplyNttsInto(v, tHat[i]!, y[i]!);
  nttInverse(v);
  const e2 = samplePolyCbd(ETA2, r, 2 * K);
  for (let c = 0; c < N; c++) {
    const mu = decompress((m[c >> 3]! >> (c & 7)) & 1, 1);
    v[c] = compress((v[c]! + e2[c]! + mu) % Q, DV);
  }
  const out = new Uint8Array(CT2_LENGTH);
  byteEncode(v, DV, out, 0);
  return out;
}
