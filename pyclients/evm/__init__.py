"""EVM payment clients: one module per payment path (``eip3009`` for USDC on
Base, ``permit`` for the recipient-bound permit path of USDm and USD1) over
shared pieces (``payment``: the sign/verify/settle flow; ``message``: signed
messages declared once; ``chain``, ``domain``, ``eip712``, ``relayer``, ``errors``)."""
