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
from typing import Any


class _Prompt(Exception):
    def __init__(self, tokens: int) -> None:
        self.tokens = tokens


class _PromptProbe:
    """Stands in for the model inside llama-cpp-python's chat handler: the
    handler formats and tokenizes the prompt exactly as when serving, then
    asks for a completion, which is where the probe stops it."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def create_completion(self, prompt: list[int], **_: Any) -> Any:
        raise _Prompt(len(prompt))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llm, name)


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

    def prompt_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Tokens of the chat prompt ``messages`` make, as the server builds it
        (the model's own chat template, its special tokens)."""
        from llama_cpp import llama_chat_format

        llm = self._llm
        handler = (llm.chat_handler or llm._chat_handlers.get(llm.chat_format)
                   or llama_chat_format.get_chat_completion_handler(llm.chat_format))
        with self._lock:
            try:
                handler(llama=_PromptProbe(llm), messages=messages)
            except _Prompt as p:
                return p.tokens
        raise RuntimeError(f"chat format {llm.chat_format!r} never asked for a completion")


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
