"""Pieces every Solana program client shares: the IDL and its borsh codec
(``idl``), PDAs (``pda``), named program errors (``errors``), SPL Token
helpers (``token``) and the transports to an RPC URL or an in-process
LiteSVM (``transport``)."""
