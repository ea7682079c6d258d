//! Runtime SHA-256 over several byte strings (the `sol_sha256` syscall;
//! the same digest natively).

/// SHA-256 of the concatenation of `parts`.
#[inline]
pub fn sha256v(parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `parts` has the `(ptr, len)` layout the syscall reads and
    // `out` has room for the 32-byte digest. The syscall cannot fail for
    // valid pointers.
    unsafe { crate::syscalls::sol_sha256(parts.as_ptr() as *const u8, parts.len() as u64, out.as_mut_ptr()) };
    out
}
