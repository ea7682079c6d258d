"""Local Solana validator: Agave-compatible JSON-RPC and WebSocket API over LiteSVM.

    async with SolanaLocalnet.start(port=0) as net:
        client = AsyncClient(net.url)
        ...

``python -m localnet.solana_rpc --port 8899`` serves one from the command line.
"""

from .chain import Chain, ChainConfig, keypair_from_seed
from .server import SolanaLocalnet

__all__ = ["Chain", "ChainConfig", "SolanaLocalnet", "keypair_from_seed"]
