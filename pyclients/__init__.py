"""Typed Python clients: the only code that encodes transactions, signs payment
authorizations and decodes on-chain state (``evm/`` for the EVM payment paths,
``solana/`` for the programs)."""
