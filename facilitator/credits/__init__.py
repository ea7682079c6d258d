"""Credits and API keys: the ledger (``ledger``), wallet-proven keys (``keys``),
x402 top-ups (``topup``) and ``credit.low`` webhooks (``webhooks``)."""
