"""x402 ``exact`` on Solana (``exact``)."""
