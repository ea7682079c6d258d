#!/usr/bin/env bash
# The SBF toolchain's own builds: the LLVM pass plugin (clang++-22 against
# llvm-22-dev) and the runtime bitcode. Both are cached under target/sbf/cache
# by the hash of their sources and the tool versions, so a rerun is instant.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python -m toolchain.sbf
