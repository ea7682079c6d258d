#!/usr/bin/env bash
# `make ape`: ape in its own virtualenv (.venv-ape). eth-ape 0.8 needs web3<8,
# eth-account<0.14 and pytest<9, which clash with the main environment
# (evm-toolchain.md). It compiles with the project's solc wrapper and runs
# anvil from node_modules, so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOCK=toolchain/ape/requirements.lock
STAMP=.bootstrap/ape
mkdir -p .bootstrap
want=$(sha256sum "$LOCK" | cut -c1-16)
if [ ! -x .venv-ape/bin/ape ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "[ape] creating .venv-ape"
  python3.11 -m venv .venv-ape
  .venv-ape/bin/python -m pip install -q --disable-pip-version-check -r "$LOCK"
  echo "$want" > "$STAMP"
fi
# ape-solidity finds compilers where py-solc-x keeps them.
version=$(.venv/bin/python -c 'from gridpay.settings import get_settings; print(get_settings().solc_version)')
mkdir -p "$HOME/.solcx"
ln -sf "$PWD/toolchain/solc/solc" "$HOME/.solcx/solc-v$version"
