use crate::errors::EscrowError;
use crate::instructions::Args;

/// Most jobs one batch may settle.
pub const MAX_BATCH: usize = 32;

/// Arguments of `settle_jobs`: `[0..4]` n (u32), then n × used_credits (u64).
/// Read in place, no allocation.
pub struct SettleJobsData<'a> {
    used: &'a [u8],
}

impl<'a> TryFrom<&'a [u8]> for SettleJobsData<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &'a [u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let n = a.read::<u32>()? as usize;
        if n == 0 || n > MAX_BATCH {
            return Err(EscrowError::InvalidBatch);
        }
        let used = a.take(n * 8)?;
        a.finish()?;
        Ok(Self { used })
    }
}

impl SettleJobsData<'_> {
    /// Number of jobs.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.used.len() / 8
    }

    /// Never true for parsed data (at least one job).
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// Used credits of job `i` (`i < len()`).
    #[inline(always)]
    pub fn used_credits(&self, i: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.used[i * 8..i * 8 + 8]);
        u64::from_le_bytes(b)
    }
}
