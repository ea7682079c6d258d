/*
 * Runtime linked into every SBF program (compiled to LLVM bitcode by the
 * toolchain with clang -target bpfel, then llvm-linked with the crate).
 *
 * - The C memory functions forward to the runtime's sol_mem*_ syscalls: a
 *   syscall costs a flat few CU where a byte loop would cost several per byte.
 * - The __sbf_rt_* helpers are what the pass plugin (plugin/SbfLower.cpp)
 *   calls instead of the operations upstream BPF LLVM refuses: 128-bit
 *   multiply/divide and 64/128-bit signed overflow multiplication. They use
 *   only unsigned 64-bit arithmetic and never take or return an i128: the
 *   backend accepts neither returns wider than 64 bits nor the libcalls.
 *   128-bit values travel as (lo, hi) pairs; results go through `out`.
 *
 * The plugin keeps these helpers alive until it has run, then drops the
 * unused ones, so they cost nothing in programs that do not need them.
 */

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;
typedef __SIZE_TYPE__ usize;

extern void sol_memcpy_(void *dst, const void *src, u64 n);
extern void sol_memmove_(void *dst, const void *src, u64 n);
extern void sol_memset_(void *dst, u64 byte, u64 n);
extern void sol_memcmp_(const void *a, const void *b, u64 n, int *result);

#define KEEP __attribute__((used))

/* ---- memory ------------------------------------------------------------ */

/* LLVM allows memcpy with dst == src; sol_memcpy_ rejects any overlap. */
KEEP void *__sbf_rt_memcpy(void *dst, const void *src, usize n) {
    if (n != 0 && dst != src)
        sol_memcpy_(dst, src, n);
    return dst;
}

KEEP void *__sbf_rt_memmove(void *dst, const void *src, usize n) {
    if (n != 0 && dst != src)
        sol_memmove_(dst, src, n);
    return dst;
}

KEEP void *__sbf_rt_memset(void *dst, int byte, usize n) {
    if (n != 0)
        sol_memset_(dst, (u64)(unsigned char)byte, n);
    return dst;
}

KEEP int __sbf_rt_memcmp(const void *a, const void *b, usize n) {
    int result = 0;
    if (n != 0)
        sol_memcmp_(a, b, n, &result);
    return result;
}

/* The names Rust's core and compiler_builtins call directly. */
KEEP void *memcpy(void *dst, const void *src, usize n) { return __sbf_rt_memcpy(dst, src, n); }
KEEP void *memmove(void *dst, const void *src, usize n) { return __sbf_rt_memmove(dst, src, n); }
KEEP void *memset(void *dst, int byte, usize n) { return __sbf_rt_memset(dst, byte, n); }
KEEP int memcmp(const void *a, const void *b, usize n) { return __sbf_rt_memcmp(a, b, n); }
KEEP int bcmp(const void *a, const void *b, usize n) { return __sbf_rt_memcmp(a, b, n); }

/* ---- 64x64 -> 128 ------------------------------------------------------ */

/* Full product of two u64 through 32-bit halves; returns the high word. */
static inline u64 mul_wide(u64 a, u64 b, u64 *lo) {
    u64 a0 = a & 0xffffffffULL, a1 = a >> 32;
    u64 b0 = b & 0xffffffffULL, b1 = b >> 32;
    u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u64 mid = (p00 >> 32) + (p01 & 0xffffffffULL) + (p10 & 0xffffffffULL);
    *lo = (mid << 32) | (p00 & 0xffffffffULL);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* two's complement negation of (lo, hi) */
static inline void neg128(u64 *lo, u64 *hi) {
    *hi = ~*hi + (*lo == 0);
    *lo = 0 - *lo;
}

/* ---- 128-bit multiply -------------------------------------------------- */

/* out[0..2] = low 128 bits of a * b */
KEEP void __sbf_rt_mul128(u64 alo, u64 ahi, u64 blo, u64 bhi, u64 *out) {
    u64 lo;
    u64 hi = mul_wide(alo, blo, &lo);
    out[0] = lo;
    out[1] = hi + alo * bhi + ahi * blo;
}

/* out[0..4] = low 256 bits of a[0..4] * b[0..4] (little-endian words).
 * core's u128 formatting divides by 10^k through a 256-bit multiply-high. */
KEEP void __sbf_rt_mul256(const u64 *a, const u64 *b, u64 *out) {
    u64 r[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        if (a[i] == 0)
            continue;
        u64 carry = 0;
        for (int j = 0; i + j < 4; j++) {
            u64 lo;
            u64 hi = mul_wide(a[i], b[j], &lo);
            /* a*b + r + carry < 2^128: the high word cannot overflow */
            u64 t = r[i + j] + lo;
            hi += t < lo;
            u64 t2 = t + carry;
            hi += t2 < t;
            r[i + j] = t2;
            carry = hi;
        }
    }
    out[0] = r[0]; out[1] = r[1]; out[2] = r[2]; out[3] = r[3];
}

/* out[0..2] = low 128 bits of a * b (unsigned); returns 1 on overflow. */
KEEP u64 __sbf_rt_umulo128(u64 alo, u64 ahi, u64 blo, u64 bhi, u64 *out) {
    u64 lo, cross_lo, cross_hi, overflow = 0;
    u64 hi = mul_wide(alo, blo, &lo);
    if (ahi != 0 && bhi != 0)
        overflow = 1;
    /* at most one of the cross products is non-zero unless overflow is set */
    cross_hi = mul_wide(alo, bhi, &cross_lo);
    overflow |= cross_hi != 0;
    u64 sum = hi + cross_lo;
    overflow |= sum < hi;
    cross_hi = mul_wide(ahi, blo, &cross_lo);
    overflow |= cross_hi != 0;
    u64 sum2 = sum + cross_lo;
    overflow |= sum2 < sum;
    out[0] = lo;
    out[1] = sum2;
    return overflow;
}

/* Signed 128-bit overflow multiply through magnitudes: the low 128 bits of
 * -(|a||b|) are the low 128 bits of a*b, overflow or not. */
KEEP u64 __sbf_rt_smulo128(u64 alo, u64 ahi, u64 blo, u64 bhi, u64 *out) {
    u64 negative = (ahi ^ bhi) >> 63;
    if ((i64)ahi < 0) neg128(&alo, &ahi);
    if ((i64)bhi < 0) neg128(&blo, &bhi);
    u64 overflow = __sbf_rt_umulo128(alo, ahi, blo, bhi, out);
    u64 lo = out[0], hi = out[1];
    /* |result| may reach 2^127 only when it is negative */
    if (hi >> 63) {
        if (!negative || lo != 0 || hi != (1ULL << 63))
            overflow = 1;
    }
    if (negative)
        neg128(&lo, &hi);
    out[0] = lo;
    out[1] = hi;
    return overflow;
}

/* Signed 64-bit overflow multiply: *out = a * b (wrapping); returns 1 on overflow. */
KEEP u64 __sbf_rt_smulo64(u64 a, u64 b, u64 *out) {
    u64 negative = (a ^ b) >> 63;
    u64 ma = (i64)a < 0 ? 0 - a : a;
    u64 mb = (i64)b < 0 ? 0 - b : b;
    u64 lo;
    u64 hi = mul_wide(ma, mb, &lo);
    u64 overflow = hi != 0;
    if (lo >> 63) {
        if (!negative || lo != (1ULL << 63))
            overflow = 1;
    }
    *out = negative ? 0 - lo : lo;
    return overflow;
}

/* ---- 128-bit divide ---------------------------------------------------- */

static inline int nlz32(u32 x) {
    int n = 0;
    if (x <= 0x0000ffffU) { n += 16; x <<= 16; }
    if (x <= 0x00ffffffU) { n += 8; x <<= 8; }
    if (x <= 0x0fffffffU) { n += 4; x <<= 4; }
    if (x <= 0x3fffffffU) { n += 2; x <<= 2; }
    if (x <= 0x7fffffffU) { n += 1; }
    return n;
}

/* Knuth's algorithm D on 32-bit digits (Hacker's Delight, divmnu):
 * q[0..m-n], r[0..n) from u[0..m), v[0..n); v[n-1] != 0, m >= n >= 2. */
static void divmnu(u32 *q, u32 *r, const u32 *u, const u32 *v, int m, int n) {
    const u64 b = 1ULL << 32;
    u32 un[5], vn[4];
    u64 qhat, rhat, p;
    i64 t, k;
    int s = nlz32(v[n - 1]);
    int i, j;
    for (i = n - 1; i > 0; i--)
        vn[i] = (v[i] << s) | (u32)((u64)v[i - 1] >> (32 - s));
    vn[0] = v[0] << s;
    un[m] = (u32)((u64)u[m - 1] >> (32 - s));
    for (i = m - 1; i > 0; i--)
        un[i] = (u[i] << s) | (u32)((u64)u[i - 1] >> (32 - s));
    un[0] = u[0] << s;
    for (j = m - n; j >= 0; j--) {
        u64 top = ((u64)un[j + n] << 32) | un[j + n - 1];
        qhat = top / vn[n - 1];
        rhat = top - qhat * vn[n - 1];
        while (qhat >= b || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
            qhat -= 1;
            rhat += vn[n - 1];
            if (rhat >= b)
                break;
        }
        k = 0;
        for (i = 0; i < n; i++) {
            p = qhat * vn[i];
            t = (i64)((u64)un[i + j] - (u64)k - (p & 0xffffffffULL));
            un[i + j] = (u32)t;
            k = (i64)((p >> 32) - (u64)(t >> 32));
        }
        t = (i64)((u64)un[j + n] - (u64)k);
        un[j + n] = (u32)t;
        q[j] = (u32)qhat;
        if (t < 0) {
            q[j] -= 1;
            k = 0;
            for (i = 0; i < n; i++) {
                t = (i64)((u64)un[i + j] + vn[i] + (u64)k);
                un[i + j] = (u32)t;
                k = t >> 32;
            }
            un[j + n] += (u32)k;
        }
    }
    for (i = 0; i < n; i++)
        r[i] = (un[i] >> s) | (u32)((u64)un[i + 1] << (32 - s));
}

static inline int digits(const u32 *x) {
    int n = 4;
    while (n > 0 && x[n - 1] == 0)
        n--;
    return n;
}

/* out[0..2] = n / d, out[2..4] = n % d (unsigned; d != 0). */
KEEP void __sbf_rt_udivmod128(u64 nlo, u64 nhi, u64 dlo, u64 dhi, u64 *out) {
    if (nhi == 0 && dhi == 0) {
        out[0] = nlo / dlo; out[1] = 0;
        out[2] = nlo % dlo; out[3] = 0;
        return;
    }
    if (dhi == 0 && (dlo >> 32) == 0) {
        /* short division by one 32-bit digit: four native divides */
        u64 rem = 0, q[4];
        u32 u[4] = {(u32)nlo, (u32)(nlo >> 32), (u32)nhi, (u32)(nhi >> 32)};
        for (int i = 3; i >= 0; i--) {
            u64 cur = (rem << 32) | u[i];
            q[i] = cur / dlo;
            rem = cur - q[i] * dlo;
        }
        out[0] = q[0] | (q[1] << 32); out[1] = q[2] | (q[3] << 32);
        out[2] = rem; out[3] = 0;
        return;
    }
    u32 u[4] = {(u32)nlo, (u32)(nlo >> 32), (u32)nhi, (u32)(nhi >> 32)};
    u32 v[4] = {(u32)dlo, (u32)(dlo >> 32), (u32)dhi, (u32)(dhi >> 32)};
    int m = digits(u), n = digits(v);
    if (m < n) {
        out[0] = 0; out[1] = 0;
        out[2] = nlo; out[3] = nhi;
        return;
    }
    u32 q[4] = {0, 0, 0, 0}, r[4] = {0, 0, 0, 0};
    divmnu(q, r, u, v, m, n);
    out[0] = q[0] | ((u64)q[1] << 32); out[1] = q[2] | ((u64)q[3] << 32);
    out[2] = r[0] | ((u64)r[1] << 32); out[3] = r[2] | ((u64)r[3] << 32);
}

/* Signed 128-bit divide through magnitudes: the quotient takes the sign of
 * n ^ d, the remainder the sign of n (truncating division, as LLVM's sdiv). */
KEEP void __sbf_rt_sdivmod128(u64 nlo, u64 nhi, u64 dlo, u64 dhi, u64 *out) {
    u64 nneg = nhi >> 63, dneg = dhi >> 63;
    if (nneg) neg128(&nlo, &nhi);
    if (dneg) neg128(&dlo, &dhi);
    __sbf_rt_udivmod128(nlo, nhi, dlo, dhi, out);
    if (nneg ^ dneg) neg128(&out[0], &out[1]);
    if (nneg) neg128(&out[2], &out[3]);
}
