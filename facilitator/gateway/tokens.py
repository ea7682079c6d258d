"""The gateway's own count of the tokens a node delivered.

A node's word for its usage is not what a user is billed on: the gateway
counts the text it actually passed on, with the model's tokenizer loaded
from the attested GGUF (vocabulary only: no weights, a few milliseconds).
The node signs the same count in its receipt; a difference is evidence.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path


class TokenCounter:
    def __init__(self, gguf: Path) -> None:
        from llama_cpp import Llama

        self.path = Path(gguf)
        self._llm = Llama(model_path=str(self.path), vocab_only=True, verbose=False)
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        """Tokens of ``text`` as the model writes it (no BOS, specials as text)."""
        if not text:
            return 0
        with self._lock:
            return len(self._llm.tokenize(text.encode(), add_bos=False, special=False))

    async def acount(self, text: str) -> int:
        return await asyncio.to_thread(self.count, text)


class Counters:
    """One counter per attested model, loaded on first use."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self._counters: dict[str, TokenCounter] = {}

    def for_model(self, model: str) -> TokenCounter:
        counter = self._counters.get(model)
        if counter is None:
            counter = self._counters[model] = TokenCounter(self.paths[model])
        return counter
