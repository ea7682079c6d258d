//! The ed25519 on-curve test, host only: native runs derive program
//! addresses exactly as the runtime does (a PDA is a hash that does *not*
//! decompress to a curve point). Radix-2^51 field arithmetic mod
//! 2^255 - 19; speed is irrelevant here, clarity is not.

type Fe = [u64; 5];

const MASK: u64 = (1 << 51) - 1;
const ZERO: Fe = [0; 5];
const ONE: Fe = [1, 0, 0, 0, 0];

fn from_bytes(b: &[u8; 32]) -> Fe {
    let w = |i: usize| u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]]);
    // The top bit is the sign of x, not part of y.
    let (w0, w1, w2, w3) = (w(0), w(8), w(16), w(24) & (u64::MAX >> 1));
    [
        w0 & MASK,
        ((w0 >> 51) | (w1 << 13)) & MASK,
        ((w1 >> 38) | (w2 << 26)) & MASK,
        ((w2 >> 25) | (w3 << 39)) & MASK,
        w3 >> 12,
    ]
}

fn carry(mut h: Fe) -> Fe {
    for i in 0..4 {
        h[i + 1] += h[i] >> 51;
        h[i] &= MASK;
    }
    h[0] += 19 * (h[4] >> 51);
    h[4] &= MASK;
    h
}

fn add(a: Fe, b: Fe) -> Fe {
    carry([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]])
}

fn sub(a: Fe, b: Fe) -> Fe {
    // a + 2p - b keeps every limb non-negative.
    const TWO_P: Fe = [2 * (MASK - 18), 2 * MASK, 2 * MASK, 2 * MASK, 2 * MASK];
    let (a, b) = (carry(a), carry(b));
    carry([
        a[0] + TWO_P[0] - b[0],
        a[1] + TWO_P[1] - b[1],
        a[2] + TWO_P[2] - b[2],
        a[3] + TWO_P[3] - b[3],
        a[4] + TWO_P[4] - b[4],
    ])
}

fn mul(a: Fe, b: Fe) -> Fe {
    let m = |x: u64, y: u64| x as u128 * y as u128;
    let b19 = [b[0], b[1] * 19, b[2] * 19, b[3] * 19, b[4] * 19];
    let c0 = m(a[0], b[0]) + m(a[4], b19[1]) + m(a[3], b19[2]) + m(a[2], b19[3]) + m(a[1], b19[4]);
    let c1 = m(a[1], b[0]) + m(a[0], b[1]) + m(a[4], b19[2]) + m(a[3], b19[3]) + m(a[2], b19[4]);
    let c2 = m(a[2], b[0]) + m(a[1], b[1]) + m(a[0], b[2]) + m(a[4], b19[3]) + m(a[3], b19[4]);
    let c3 = m(a[3], b[0]) + m(a[2], b[1]) + m(a[1], b[2]) + m(a[0], b[3]) + m(a[4], b19[4]);
    let c4 = m(a[4], b[0]) + m(a[3], b[1]) + m(a[2], b[2]) + m(a[1], b[3]) + m(a[0], b[4]);
    let mut c = [c0, c1, c2, c3, c4];
    for i in 0..4 {
        c[i + 1] += c[i] >> 51;
        c[i] &= MASK as u128;
    }
    let top = c[4] >> 51;
    c[4] &= MASK as u128;
    c[0] += top * 19;
    carry([c[0] as u64, c[1] as u64, c[2] as u64, c[3] as u64, c[4] as u64])
}

fn sq(a: Fe) -> Fe {
    mul(a, a)
}

/// `a^e` for an exponent given as (bit count, bits that are zero).
fn pow_all_ones_except(a: Fe, bits: usize, zero_bits: &[usize]) -> Fe {
    let mut r = ONE;
    for i in (0..bits).rev() {
        r = sq(r);
        if !zero_bits.contains(&i) {
            r = mul(r, a);
        }
    }
    r
}

fn canonical(h: Fe) -> Fe {
    let mut h = carry(carry(h));
    let mut q = (h[0] + 19) >> 51;
    q = (h[1] + q) >> 51;
    q = (h[2] + q) >> 51;
    q = (h[3] + q) >> 51;
    q = (h[4] + q) >> 51;
    h[0] += 19 * q;
    for i in 0..4 {
        h[i + 1] += h[i] >> 51;
        h[i] &= MASK;
    }
    h[4] &= MASK;
    h
}

fn eq(a: Fe, b: Fe) -> bool {
    canonical(a) == canonical(b)
}

/// `d = -121665 / 121666`.
fn edwards_d() -> Fe {
    // 1/x = x^(p-2); p - 2 = 2^255 - 21: 255 one-bits except bits 2 and 4.
    let inv = pow_all_ones_except([121666, 0, 0, 0, 0], 255, &[2, 4]);
    sub(ZERO, mul([121665, 0, 0, 0, 0], inv))
}

/// Whether `bytes` is the compressed form of a point on the ed25519 curve
/// (what `CompressedEdwardsY::decompress` accepts).
pub fn is_on_curve(bytes: &[u8; 32]) -> bool {
    let y = from_bytes(bytes);
    let y2 = sq(y);
    let u = sub(y2, ONE);
    let v = add(mul(edwards_d(), y2), ONE);
    let v3 = mul(sq(v), v);
    let v7 = mul(sq(v3), v);
    // x = u v^3 (u v^7)^((p-5)/8); (p-5)/8 = 2^252 - 3: 252 one-bits
    // except bit 1. A square root of u/v exists iff v x^2 = ±u.
    let x = mul(mul(u, v3), pow_all_ones_except(mul(u, v7), 252, &[1]));
    let vx2 = mul(v, sq(x));
    eq(vx2, u) || eq(vx2, sub(ZERO, u))
}
