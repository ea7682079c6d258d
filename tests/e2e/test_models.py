"""The node's models: the tiny GGUF is small, byte-for-byte reproducible, and
writes exactly max_tokens tokens that count back to the same number; the
gateway's prompt count is the server's."""

from __future__ import annotations

from pathlib import Path

from facilitator.gateway.tokens import TokenCounter
from harness.node.models import TINY_CHARS, attest, smollm2_path, tiny_gguf


def test_tiny_model_is_small_and_reproducible(tmp_path: Path) -> None:
    a = tiny_gguf(tmp_path / "a" / "gridpay-tiny.gguf")
    b = tiny_gguf(tmp_path / "b" / "gridpay-tiny.gguf")
    assert a.read_bytes() == b.read_bytes()
    assert a.stat().st_size < 1_000_000
    assert attest(a).sha256 == attest(b).sha256 and attest(a).model == "gridpay-tiny"


def test_tiny_model_never_stops_early_and_counts_back_exactly(tmp_path: Path) -> None:
    from llama_cpp import Llama

    path = tiny_gguf(tmp_path / "gridpay-tiny.gguf")
    llm = Llama(model_path=str(path), verbose=False, n_ctx=1024)
    counter = TokenCounter(path)
    for max_tokens, temperature in ((1, 0.0), (37, 0.8), (300, 2.0)):
        messages = [{"role": "user", "content": f"write {max_tokens} tokens, please!"}]
        r = llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                       temperature=temperature, top_k=0, top_p=1.0, min_p=0.0)
        text = r["choices"][0]["message"]["content"]
        assert r["choices"][0]["finish_reason"] == "length"
        assert r["usage"]["completion_tokens"] == max_tokens == len(text)
        assert set(text) <= set(TINY_CHARS)
        assert counter.count(text) == max_tokens
        assert counter.prompt_tokens(messages) == r["usage"]["prompt_tokens"]


def test_smollm2_ships_in_the_wheel_and_counts_like_the_server() -> None:
    from llama_cpp import Llama

    path = smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    llm = Llama(model_path=str(path), verbose=False, n_ctx=512)
    counter = TokenCounter(path)
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "What is the capital of France?"}]
    r = llm.create_chat_completion(messages=messages, max_tokens=12, temperature=0)
    assert counter.prompt_tokens(messages) == r["usage"]["prompt_tokens"]
    assert counter.count(r["choices"][0]["message"]["content"]) == \
        r["usage"]["completion_tokens"]
