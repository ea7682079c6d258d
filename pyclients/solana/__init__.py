"""Solana program clients: ``escrow`` (job_escrow), ``receipts`` (job
receipts), over the shared pieces in ``common`` (IDL codec, PDAs, named
errors, SPL Token helpers, RPC and LiteSVM transports)."""
