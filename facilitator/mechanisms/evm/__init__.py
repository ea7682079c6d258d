"""x402 ``exact`` on EVM chains: EIP-3009 (``exact_eip3009``) and gridpay's
recipient-bound permit path (``exact_permit``)."""
