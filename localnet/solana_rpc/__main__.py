"""``python -m localnet.solana_rpc``: boot the local chain and serve it until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
from pathlib import Path

from gridpay.settings import get_settings

from .chain import ChainConfig
from .server import SolanaLocalnet


def _args(argv: list[str] | None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m localnet.solana_rpc", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.solana_rpc_port,
                        help="JSON-RPC port (0 picks a free one); WebSocket also on port + 1")
    parser.add_argument("--slot-ms", type=int, default=settings.solana_slot_ms)
    parser.add_argument("--network", choices=("devnet", "local"), default=settings.solana_network)
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="resume from this file if it exists, save to it on exit")
    parser.add_argument("--empty", action="store_true", help="no mints, wallets or programs")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    config = ChainConfig(slot_ms=args.slot_ms, network=args.network)
    ws_port = args.port + 1 if args.port else None
    async with SolanaLocalnet.start(
        args.port,
        host=args.host,
        ws_port=ws_port,
        config=config,
        boot=not args.empty,
        snapshot_path=args.snapshot,
    ) as net:
        # The boot state lives as long as the process: out of the collector's sight,
        # full collections stop rescanning it while the status cache grows.
        gc.freeze()
        banner = {
            "rpcUrl": net.url,
            "wsUrl": net.ws_url,
            "network": net.network_id,
            "genesisHash": net.chain.genesis_hash,
            "slot": net.chain.slot,
        }
        if net.boot_state is not None:
            banner.update(net.boot_state.to_json())
        print(json.dumps(banner, indent=2), flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is in the lock file
        runner = asyncio.run
    try:
        runner(_serve(args))
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
