/**
 * bfloat16 ⇄ float32: the top 16 bits of an IEEE float32 (8-bit exponent, 7-bit mantissa), rounded to
 * nearest even. It keeps float32's range, which Adam's second moment needs: v ≈ g² is often ~1e-10, below
 * IEEE float16's smallest subnormal (6e-8), where a float16 v would become 0 and the resumed step explode.
 */

/** Rounds each float32 to bfloat16 and returns the raw 16-bit patterns. NaN stays NaN. */
export function toBfloat16(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const u = bits[i];
    if ((u & 0x7f800000) === 0x7f800000 && (u & 0x007fffff) !== 0) {
      out[i] = (u >>> 16) | 0x0040; // quiet NaN
      continue;
    }
    // Round to nearest even: add 0x7fff plus the lowest kept bit, then drop 16 bits.
    out[i] = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

/** Expands bfloat16 bit patterns to float32 exactly. */
export function fromBfloat16(h: Uint16Array): Float32Array {
  const bits = new Uint32Array(h.length);
  for (let i = 0; i < h.length; i++) bits[i] = h[i] << 16;
  return new Float32Array(bits.buffer);
}
