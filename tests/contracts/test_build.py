"""The Solidity build: the solc wrapper (native-solc command line over the npm solc),
artifacts, the source-hash cache, and compile errors naming file and line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import solcx
from click.testing import CliRunner
from eth_utils import keccak
from packaging.version import Version

from gridpay.settings import get_settings
from toolchain.errors import BuildError
from toolchain.solc import SOLC, ArtifactNotFound, build_contracts, load_artifact

pytestmark = pytest.mark.evm

DEPLOYABLE = ["FiatTokenUSDC", "MegaUSD", "USD1", "PermitSettlement", "SmartWallet"]

GOOD = """// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
contract Counter {
    uint256 public count;
    function bump() external { count += 1; }
}
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_wrapper_prints_a_native_solc_version() -> None:
    out = subprocess.run(
        [str(SOLC), "--version"], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert lines[1].startswith(f"Version: {get_settings().solc_version}+commit.")
    assert lines[1].endswith(".Linux.g++")


def test_wrapper_refuses_unknown_options() -> None:
    proc = subprocess.run([str(SOLC), "--bin", "x.sol"], capture_output=True, text=True)
    assert proc.returncode != 0 and "--bin" in proc.stderr


def test_py_solc_x_drives_the_wrapper(tmp_path: Path) -> None:
    """py-solc-x parses the version and compiles standard JSON, with an import the
    wrapper reads from the filesystem under --base-path."""
    write(tmp_path, "lib/Counter.sol", GOOD)
    assert solcx.wrapper.get_solc_version(SOLC) == Version(get_settings().solc_version)
    source = (
        '// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.24;\nimport "lib/Counter.sol";\n'
        "contract Twice is Counter {}\n"
    )
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"Twice.sol": {"content": source}},
            "settings": {"outputSelection": {"*": {"*": ["abi", "evm.methodIdentifiers"]}}},
        },
        solc_binary=SOLC,
        base_path=tmp_path,
        allow_paths=tmp_path,
    )
    assert output["contracts"]["Twice.sol"]["Twice"]["evm"]["methodIdentifiers"] == {
        sig: keccak(text=sig)[:4].hex() for sig in ("bump()", "count()")
    }


def test_wrapper_refuses_imports_outside_allowed_paths(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", "Secret.sol", GOOD)
    source = (
        f'// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.24;\nimport "{outside}";\n'
    )
    with pytest.raises(solcx.exceptions.SolcError, match="outside of allowed directories"):
        solcx.compile_standard(
            {
                "language": "Solidity",
                "sources": {"A.sol": {"content": source}},
                "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
            },
            solc_binary=SOLC,
            base_path=tmp_path / "base",
        )


def test_project_build_writes_artifacts() -> None:
    result = build_contracts()
    assert set(DEPLOYABLE) <= set(result.artifacts)
    for name in DEPLOYABLE:
        data = json.loads((result.out_dir / f"{name}.json").read_text())
        assert {"contractName", "sourceName", "abi", "bytecode", "deployedBytecode"} <= data.keys()
        assert data["contractName"] == name
        assert data["sourceName"].startswith("contracts/src/")
        for code in (data["bytecode"], data["deployedBytecode"]):
            assert code.startswith("0x") and len(code) > 1000 and bytes.fromhex(code[2:])
    usdc = load_artifact("FiatTokenUSDC")
    assert usdc.method_identifiers[
        "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
    ]
    assert {i["name"] for i in usdc.abi if i["type"] == "error"} >= {
        "InvalidSignature",
        "AuthorizationExpired",
        "AuthorizationNotYetValid",
        "AuthorizationAlreadyUsed",
        "AuthorizationAlreadyCanceled",
        "CallerNotPayee",
        "PermitExpired",
        "AlreadyInitialized",
        "NotMinter",
    }
    settlement = load_artifact("PermitSettlement")
    assert {i["name"] for i in settlement.abi if i["type"] == "error"} >= {
        "IntentExpired",
        "IntentNotYetValid",
        "IntentUsed",
        "InvalidSignature",
        "InsufficientAllowance",
    }


def test_unknown_artifact_names_the_known_ones() -> None:
    with pytest.raises(ArtifactNotFound, match="FiatTokenUSDC"):
        load_artifact("FiatTokenUSDT")


def test_second_build_compiles_nothing_until_a_source_changes(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    source = write(src, "Counter.sol", GOOD)

    first = build_contracts(src, out)
    assert not first.cached and "compiled 1 sources" in first.summary()[0]
    artifact = out / "Counter.json"
    stamp = artifact.stat().st_mtime_ns

    second = build_contracts(src, out)
    assert second.cached and "nothing compiled" in second.summary()[0]
    assert artifact.stat().st_mtime_ns == stamp
    assert second.artifacts["Counter"].bytecode == first.artifacts["Counter"].bytecode

    source.write_text(GOOD.replace("count += 1", "count += 2"))
    third = build_contracts(src, out)
    assert (
        not third.cached
        and third.artifacts["Counter"].bytecode != first.artifacts["Counter"].bytecode
    )

    artifact.unlink()  # a missing output forces a build even with unchanged sources
    assert not build_contracts(src, out).cached and artifact.is_file()


def test_removed_contract_loses_its_artifact(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    write(src, "Counter.sol", GOOD)
    extra = write(src, "Other.sol", GOOD.replace("Counter", "Other"))
    build_contracts(src, out)
    extra.unlink()
    assert set(build_contracts(src, out).artifacts) == {"Counter"}
    assert not (out / "Other.json").exists()


def test_compile_error_names_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "Counter.sol", GOOD)
    bad = write(
        src,
        "nested/Broken.sol",
        GOOD.replace("Counter", "Broken").replace("count += 1;", "count += ;"),
    )

    with pytest.raises(BuildError) as info:
        build_contracts(src, tmp_path / "out")

    message = str(info.value)
    assert f"{bad}:5:" in message  # solc's formatted message: file:line:column
    assert "ParserError" in message
    assert not (tmp_path / "out" / "Counter.json").exists()


def test_duplicate_contract_names_are_an_error(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "a/Counter.sol", GOOD)
    write(src, "b/Counter.sol", GOOD)
    with pytest.raises(
        BuildError, match=r"'Counter' is defined in both .*a/Counter.sol and .*b/Counter.sol"
    ):
        build_contracts(src, tmp_path / "out")


def test_no_sources_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no Solidity sources"):
        build_contracts(tmp_path, tmp_path / "out")


def test_cli_build_only_contracts() -> None:
    from toolchain.cli import build

    build_contracts()
    result = CliRunner().invoke(build, ["--only", "contracts"])
    assert result.exit_code == 0, result.output
    assert "contracts: up to date, nothing compiled" in result.output
