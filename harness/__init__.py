"""The end-to-end harness: local chains, payments and (later) the facilitator,
an inference node and paying clients; `gridpay demo` / `make demo`."""
