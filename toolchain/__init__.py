"""Offline builders: Solidity -> artifacts (solc/), Rust -> SBF (sbf/)."""
