"""Solidity -> artifacts with the npm solc, through a wrapper that behaves like native
solc (``toolchain/solc/solc``).

- :func:`build_contracts` compiles ``contracts/src`` into ``target/contracts/<Name>.json``,
  cached by source hash;
- :func:`load_artifact` returns one contract's ABI and bytecode (building first if needed);
- :data:`SOLC` is the wrapper's path, for py-solc-x (``solc_binary=SOLC``) and other tools.
"""

from toolchain.solc.artifacts import Artifact, ArtifactNotFound, load_artifact
from toolchain.solc.build import BuildResult, build_contracts, compiler_settings
from toolchain.solc.compiler import SOLC, compile_standard, compiler_version

__all__ = [
    "SOLC",
    "Artifact",
    "ArtifactNotFound",
    "BuildResult",
    "build_contracts",
    "compile_standard",
    "compiler_settings",
    "compiler_version",
    "load_artifact",
]
