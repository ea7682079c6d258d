//! Arithmetic that upstream BPF LLVM refuses and the pass plugin lowers:
//! 128-bit multiply/divide, overflow-checked multiplication, signed division,
//! functions with more than five arguments, returns wider than 64 bits.
//!
//! Request: `[op: u8, operands...]` (little-endian); reply: op-specific bytes.
//! `None`/errors are encoded as a leading 0 byte, `Some` as 1.
#![cfg_attr(target_arch = "bpf", no_std)]

use core::hint::black_box;

/// Operation codes of the request's first byte.
pub mod op {
    pub const U128_MUL: u8 = 0;
    pub const U128_DIVREM: u8 = 1;
    pub const U64_CHECKED_MUL: u8 = 2;
    pub const U64_CHECKED_ADD: u8 = 3;
    pub const I64_DIVREM: u8 = 4;
    pub const U128_CHECKED_MUL: u8 = 5;
    pub const I128_CHECKED_MUL: u8 = 6;
    pub const I128_DIVREM: u8 = 7;
    pub const I64_CHECKED_MUL: u8 = 8;
    pub const FEE: u8 = 9;
    pub const MANY_ARGS: u8 = 10;
    pub const WIDE_RETURN: u8 = 11;
    pub const I32_DIVREM: u8 = 12;
    pub const U64_OVERFLOWING_MUL: u8 = 13;
    pub const U128_SHIFTS: u8 = 14;
    pub const I8_DIVREM: u8 = 15;
    pub const U128_ADD_SUB_BITS: u8 = 16;
    pub const FORMAT: u8 = 17;
    pub const NARROW_AND_MISC: u8 = 18;
    pub const PAIRS_AND_WIDE_ARGS: u8 = 19;
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        if self.0.len() < N {
            return None;
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        let mut out = [0u8; N];
        out.copy_from_slice(head);
        Some(out)
    }
    fn u8(&mut self) -> Option<u8> { self.take::<1>().map(|b| b[0]) }
    fn u32(&mut self) -> Option<u32> { self.take().map(u32::from_le_bytes) }
    fn u64(&mut self) -> Option<u64> { self.take().map(u64::from_le_bytes) }
    fn i64(&mut self) -> Option<i64> { self.take().map(i64::from_le_bytes) }
    fn u128(&mut self) -> Option<u128> { self.take().map(u128::from_le_bytes) }
    fn i128(&mut self) -> Option<i128> { self.take().map(i128::from_le_bytes) }
}

struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.len.checked_add(bytes.len())?;
        self.buf.get_mut(self.len..end)?.copy_from_slice(bytes);
        self.len = end;
        Some(())
    }
    fn opt<const N: usize>(&mut self, value: Option<[u8; N]>) -> Option<()> {
        match value {
            Some(v) => {
                self.put(&[1])?;
                self.put(&v)
            }
            None => self.put(&[0]),
        }
    }
}

/// Seven arguments of mixed widths: two travel through the stack struct.
#[inline(never)]
pub fn many_args(a: u64, b: u32, c: u8, d: u64, e: u16, f: u64, g: u64) -> u64 {
    let x = black_box(a).wrapping_mul(3) ^ (b as u64) << 7;
    x.wrapping_add((c as u64) << 40)
        .wrapping_sub(d.rotate_left(13))
        .wrapping_add((e as u64) * 65_537)
        ^ f.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ g.rotate_right(29)
}

/// A u128 return value (and u128 arguments) across a real call.
#[inline(never)]
pub fn wide_return(a: u128, b: u64, c: u128) -> u128 {
    black_box(a).rotate_left(17) ^ (b as u128) << 64 ^ c.wrapping_add(b as u128)
}

/// A scalar pair returned by value ({i64, i64} in LLVM IR).
#[inline(never)]
pub fn pair(a: u64, b: u64) -> (u64, u64) {
    (black_box(a).wrapping_add(b), a ^ b.rotate_left(5))
}

/// An `Option<u64>` returned by value.
#[inline(never)]
pub fn maybe(a: u64, b: u64) -> Option<u64> {
    black_box(a).checked_sub(b)
}

/// Three u128 arguments: six registers, the boundary falls inside one.
#[inline(never)]
pub fn three_wide(a: u128, b: u128, c: u128, d: u8) -> u128 {
    black_box(a).wrapping_add(b.rotate_left(d as u32)) ^ c
}

/// Fee in base units: `amount * bps / 10_000`, floored, the product in u128.
pub fn fee(amount: u64, bps: u64) -> Option<u64> {
    let product = (amount as u128).checked_mul(bps as u128)?;
    u64::try_from(product / 10_000).ok()
}

/// Runs the request in `input`, writes the reply into `out`; returns its length.
pub fn dispatch(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut r = Reader(input);
    let mut w = Writer { buf: out, len: 0 };
    match r.u8()? {
        op::U128_MUL => {
            let (a, b) = (r.u128()?, r.u128()?);
            w.put(&black_box(a).wrapping_mul(black_box(b)).to_le_bytes())?;
        }
        op::U128_DIVREM => {
            let (a, b) = (r.u128()?, r.u128()?);
            w.opt(a.checked_div(b).map(u128::to_le_bytes))?;
            w.opt(a.checked_rem(b).map(u128::to_le_bytes))?;
        }
        op::U64_CHECKED_MUL => {
            let (a, b) = (r.u64()?, r.u64()?);
            w.opt(a.checked_mul(b).map(u64::to_le_bytes))?;
        }
        op::U64_CHECKED_ADD => {
            let (a, b) = (r.u64()?, r.u64()?);
            w.opt(a.checked_add(b).map(u64::to_le_bytes))?;
        }
        op::I64_DIVREM => {
            let (a, b) = (r.i64()?, r.i64()?);
            w.opt(a.checked_div(b).map(i64::to_le_bytes))?;
            w.opt(a.checked_rem(b).map(i64::to_le_bytes))?;
            w.opt(a.checked_div_euclid(b).map(i64::to_le_bytes))?;
        }
        op::U128_CHECKED_MUL => {
            let (a, b) = (r.u128()?, r.u128()?);
            w.opt(a.checked_mul(b).map(u128::to_le_bytes))?;
        }
        op::I128_CHECKED_MUL => {
            let (a, b) = (r.i128()?, r.i128()?);
            w.opt(a.checked_mul(b).map(i128::to_le_bytes))?;
            let (v, o) = a.overflowing_mul(b);
            w.put(&v.to_le_bytes())?;
            w.put(&[o as u8])?;
        }
        op::I128_DIVREM => {
            let (a, b) = (r.i128()?, r.i128()?);
            w.opt(a.checked_div(b).map(i128::to_le_bytes))?;
            w.opt(a.checked_rem(b).map(i128::to_le_bytes))?;
        }
        op::I64_CHECKED_MUL => {
            let (a, b) = (r.i64()?, r.i64()?);
            w.opt(a.checked_mul(b).map(i64::to_le_bytes))?;
            let (v, o) = a.overflowing_mul(b);
            w.put(&v.to_le_bytes())?;
            w.put(&[o as u8])?;
        }
        op::FEE => {
            let (amount, bps) = (r.u64()?, r.u64()?);
            w.opt(fee(amount, bps).map(u64::to_le_bytes))?;
        }
        op::MANY_ARGS => {
            let (a, b, c, d) = (r.u64()?, r.u32()?, r.u8()?, r.u64()?);
            let (e, f, g) = (r.u32()? as u16, r.u64()?, r.u64()?);
            w.put(&many_args(a, b, c, d, e, f, g).to_le_bytes())?;
        }
        op::WIDE_RETURN => {
            let (a, b, c) = (r.u128()?, r.u64()?, r.u128()?);
            w.put(&wide_return(a, b, c).to_le_bytes())?;
        }
        op::I32_DIVREM => {
            let (a, b) = (r.u32()? as i32, r.u32()? as i32);
            w.opt(a.checked_div(b).map(i32::to_le_bytes))?;
            w.opt(a.checked_rem(b).map(i32::to_le_bytes))?;
        }
        op::U64_OVERFLOWING_MUL => {
            let (a, b) = (r.u64()?, r.u64()?);
            let (v, o) = a.overflowing_mul(b);
            w.put(&v.to_le_bytes())?;
            w.put(&[o as u8])?;
            w.put(&a.saturating_mul(b).to_le_bytes())?;
        }
        op::U128_SHIFTS => {
            let (a, s) = (r.u128()?, r.u8()?);
            let s = u32::from(s) & 127;
            w.put(&(a << s).to_le_bytes())?;
            w.put(&(a >> s).to_le_bytes())?;
            w.put(&((a as i128) >> s).to_le_bytes())?;
            w.put(&a.leading_zeros().to_le_bytes())?;
        }
        op::I8_DIVREM => {
            let (a, b) = (r.u8()? as i8, r.u8()? as i8);
            w.opt(a.checked_div(b).map(i8::to_le_bytes))?;
            w.opt(a.checked_rem(b).map(i8::to_le_bytes))?;
        }
        op::U128_ADD_SUB_BITS => {
            let (a, b) = (r.u128()?, r.u128()?);
            w.opt(a.checked_add(b).map(u128::to_le_bytes))?;
            w.opt(a.checked_sub(b).map(u128::to_le_bytes))?;
            w.put(&a.saturating_sub(b).to_le_bytes())?;
            w.put(&(a as i128).saturating_add(b as i128).to_le_bytes())?;
            w.put(&[a.leading_zeros() as u8, a.trailing_zeros() as u8, b.count_ones() as u8])?;
            w.put(&(a as i128).unsigned_abs().to_le_bytes())?;
        }
        op::FORMAT => {
            // core::fmt: trait objects (callx through vtables in .rodata) and
            // the u128 digit loop
            let (a, b, c, d) = (r.u64()?, r.u128()?, r.i64()?, r.i128()?);
            use core::fmt::Write as _;
            let mut text = Text { buf: [0; 160], len: 0 };
            write!(text, "{a}|{b:x}|{c}|{d:?}|{b}").ok()?;
            w.put(&text.buf[..text.len])?;
        }
        op::NARROW_AND_MISC => {
            let (a, b) = (r.u64()?, r.u64()?);
            let (a32, b32) = (a as u32, b as u32);
            w.opt(a32.checked_mul(b32).map(u32::to_le_bytes))?;
            w.opt((a32 as i32).checked_mul(b32 as i32).map(i32::to_le_bytes))?;
            w.opt((a as u16).checked_mul(b as u16).map(u16::to_le_bytes))?;
            w.opt(a.checked_pow((b % 70) as u32).map(u64::to_le_bytes))?;
            w.put(&a.abs_diff(b).to_le_bytes())?;
            w.opt(a.checked_div(b).map(|_| a.div_ceil(b)).map(u64::to_le_bytes))?;
            w.put(&(a as i64).wrapping_abs().to_le_bytes())?;
            w.opt((a as i64).checked_rem_euclid(b as i64).map(i64::to_le_bytes))?;
            w.put(&a.isqrt().to_le_bytes())?;
        }
        op::PAIRS_AND_WIDE_ARGS => {
            let (a, b, c, d) = (r.u128()?, r.u128()?, r.u128()?, r.u8()?);
            let (x, y) = pair(a as u64, b as u64);
            w.put(&x.to_le_bytes())?;
            w.put(&y.to_le_bytes())?;
            w.opt(maybe(a as u64, c as u64).map(u64::to_le_bytes))?;
            w.put(&three_wide(a, b, c, d).to_le_bytes())?;
        }
        _ => return None,
    }
    Some(w.len)
}

/// A fixed buffer that `core::fmt` writes into.
struct Text {
    buf: [u8; 160],
    len: usize,
}

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Host entry for the differential harness (ctypes): returns the reply
/// length, or -1 when the request is malformed.
///
/// # Safety
/// `input` must point to `len` readable bytes, `out` to `cap` writable ones.
#[cfg(not(target_arch = "bpf"))]
#[no_mangle]
pub unsafe extern "C" fn arith_dispatch(input: *const u8, len: usize, out: *mut u8, cap: usize) -> i64 {
    let (input, out) = unsafe {
        (core::slice::from_raw_parts(input, len), core::slice::from_raw_parts_mut(out, cap))
    };
    dispatch(input, out).map_or(-1, |n| n as i64)
}

#[cfg(target_arch = "bpf")]
mod program {
    extern "C" {
        fn sol_set_return_data(data: *const u8, len: u64);
        fn abort() -> !;
    }

    /// Program entry: no accounts; the instruction data is the request and
    /// the reply goes out as return data. A malformed request fails.
    ///
    /// # Safety
    /// Called by the loader with its serialized input.
    #[no_mangle]
    pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
        // SAFETY: input layout for zero accounts: u64 count, u64 data length, data.
        let request = unsafe {
            if *(input as *const u64) != 0 {
                return 1;
            }
            let len = *(input.add(8) as *const u64) as usize;
            core::slice::from_raw_parts(input.add(16), len)
        };
        let mut reply = [0u8; 256];
        match super::dispatch(request, &mut reply) {
            Some(n) => {
                // SAFETY: reply[..n] is initialized and outlives the call.
                unsafe { sol_set_return_data(reply.as_ptr(), n as u64) };
                0
            }
            None => 2,
        }
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        // SAFETY: the abort syscall never returns.
        unsafe { abort() }
    }
}
