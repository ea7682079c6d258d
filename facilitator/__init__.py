"""The x402 facilitator: verifies and settles payments on the four networks,
keeps the payment log, the credit ledger and API keys (see ``api/`` for the
HTTP surface, ``engine.py`` for the settlement rules)."""
