"""llama-cpp-python's OpenAI-compatible server as the node's engine: a child
process on a loopback port, one request at a time, never downloading."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EngineError(RuntimeError):
    pass


@dataclass
class LlamaServer:
    model_path: Path
    alias: str
    port: int = 0
    n_ctx: int = 2048
    n_threads: int | None = None
    log_path: Path | None = None
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 120.0) -> None:
        if not Path(self.model_path).is_file():
            raise EngineError(f"model file {self.model_path} does not exist")
        self.port = self.port or free_port()
        args = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
                "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
                "--n_ctx", str(self.n_ctx), "--interrupt_requests", "False",
                "--verbose", "False"]
        if self.n_threads:
            args += ["--n_threads", str(self.n_threads)]
        log = open(self.log_path, "ab") if self.log_path else asyncio.subprocess.DEVNULL
        self.process = await asyncio.create_subprocess_exec(
            *args, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self.process.returncode is not None:
                    raise EngineError(f"llama server exited with {self.process.returncode} "
                                      f"(log: {self.log_path})")
                try:
                    if (await client.get(f"{self.url}/v1/models")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    await self.stop()
                    raise EngineError(f"llama server not ready after {timeout} s")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        p = self.process
        if p is None or p.returncode is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(p.wait(), 10)
        except TimeoutError:
            p.kill()
            await p.wait()
