"""The Rust -> SBF build pipeline end to end, on the toolchain's hello program."""

from __future__ import annotations

import json

import pytest
from solders.keypair import Keypair

from gridpay import ROOT
from gridpay.keys import local_program_keypair

from tests.toolchain.conftest import CRATES, HELLO, copy_crate
from toolchain.errors import BuildError
from toolchain.sbf import build_crate, build_program
from toolchain.sbf.build import Crate, program_crates, update_anchor_toml
from toolchain.sbf.deploy import LOADER_V3, deploy_with_litesvm, programdata_address
from toolchain.sbf.differential import SbfProgram

GREETING = "Program log: hello from gridpay"


def test_hello_runs_in_litesvm(hello_so, cu_record):
    program = SbfProgram(hello_so)
    outcome = program.invoke(b"")
    assert outcome.ok, outcome.logs
    assert GREETING in outcome.logs
    assert 0 < outcome.compute_units < 200
    cu_record("hello", outcome.compute_units)


def test_hello_deploys_through_upgradeable_loader(hello_so, litesvm, cu_record):
    payer = Keypair()
    litesvm.airdrop(payer.pubkey(), 100_000_000_000)
    image = hello_so.read_bytes()
    program_id = deploy_with_litesvm(litesvm, payer, image, Keypair())

    program_account = litesvm.get_account(program_id)
    assert program_account.owner == LOADER_V3 and program_account.executable
    programdata = litesvm.get_account(programdata_address(program_id))
    assert image in bytes(programdata.data)  # after the 45-byte ProgramData header

    litesvm.warp_to_slot(litesvm.get_clock().slot + 1)  # deployments become visible next slot
    result = SbfProgram(svm=litesvm, program_id=program_id, payer=payer).invoke(b"")
    assert result.ok, result.logs
    assert GREETING in result.logs
    cu_record("hello (loader v3)", result.compute_units)


def test_clean_builds_are_byte_identical(tmp_path, hello_so):
    # different source and target folders: no path may leak into the binary
    first = build_program(copy_crate(HELLO, tmp_path / "a"), target=tmp_path / "ta",
                          anchor_toml=None)
    second = build_program(copy_crate(HELLO, tmp_path / "b"), target=tmp_path / "tb",
                           anchor_toml=None)
    assert first.read_bytes() == second.read_bytes() == hello_so.read_bytes()


def test_second_build_does_nothing(tmp_path):
    crate = copy_crate(HELLO, tmp_path)
    first = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    mtime = first.so_path.stat().st_mtime_ns
    second = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    assert first.built and not second.built
    assert second.so_path.stat().st_mtime_ns == mtime
    assert "up to date" in second.summary()
    assert second.program_id == first.program_id


def test_source_change_rebuilds(tmp_path):
    crate = copy_crate(HELLO, tmp_path)
    target = tmp_path / "t"
    before = build_crate(crate, target=target, anchor_toml=None)
    old = before.so_path.read_bytes()
    lib = crate / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("hello from gridpay", "hello again, gridpay"))
    after = build_crate(crate, target=target, anchor_toml=None)
    assert after.built and after.so_path.read_bytes() != old
    outcome = SbfProgram(after.so_path).invoke(b"")
    assert "Program log: hello again, gridpay" in outcome.logs


def test_workspace_profile_change_rebuilds(tmp_path):
    (tmp_path / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["hello"]\n\n[profile.release]\nopt-level = 3\n')
    crate = copy_crate(HELLO, tmp_path)
    first = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("opt-level = 3", "opt-level = 2"))
    second = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    assert first.built and second.built


def test_keypair_is_created_once_and_is_the_program_id(tmp_path):
    crate = copy_crate(HELLO, tmp_path)
    result = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    keyfile = tmp_path / "t" / "deploy" / "hello-keypair.json"
    secret = json.loads(keyfile.read_text())
    assert len(secret) == 64
    assert str(Keypair.from_bytes(bytes(secret)).pubkey()) == result.program_id
    (tmp_path / "t" / "deploy" / "hello.so").unlink()
    again = build_crate(crate, target=tmp_path / "t", anchor_toml=None)
    assert again.built and again.program_id == result.program_id
    assert result.program_id == str(local_program_keypair("hello").pubkey())


def test_program_ids_agree_everywhere():
    """The id in each IDL, Anchor.toml and the deploy keypair are one and the same."""
    import tomllib

    anchor = tomllib.loads((ROOT / "Anchor.toml").read_text())["programs"]["localnet"]
    for idl_path in sorted((ROOT / "programs").glob("*/idl.json")):
        name = idl_path.parent.name
        address = json.loads(idl_path.read_text())["address"]
        assert address == str(local_program_keypair(name).pubkey()), name
        assert anchor[name] == address, name


def test_anchor_toml_gets_the_program_id(tmp_path):
    path = tmp_path / "Anchor.toml"
    update_anchor_toml(path, "hello", "Hel1o11111111111111111111111111111111111111")
    path.write_text(path.read_text() + "\n[scripts]\ntest = \"pytest\"\n")
    update_anchor_toml(path, "job_escrow", "Esc11111111111111111111111111111111111111111")
    update_anchor_toml(path, "hello", "New11111111111111111111111111111111111111111")
    import tomllib

    data = tomllib.loads(path.read_text())
    assert data["programs"]["localnet"] == {
        "hello": "New11111111111111111111111111111111111111111",
        "job_escrow": "Esc11111111111111111111111111111111111111111"}
    assert data["provider"]["cluster"] == "localnet"
    assert data["scripts"] == {"test": "pytest"}


def test_program_crates_are_cdylibs_and_not_the_sdk(tmp_path):
    def crate(name: str, kinds: str) -> None:
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\n[lib]\ncrate-type = {kinds}\n')

    crate("sdk", '["cdylib", "lib"]')
    crate("util", '["rlib"]')
    crate("escrow", '["cdylib", "lib"]')
    assert [c.lib_name for c in program_crates(tmp_path)] == ["escrow"]
    with pytest.raises(BuildError, match="not a program crate"):
        build_program(tmp_path / "util", target=tmp_path / "t", anchor_toml=None)


def test_writable_static_is_refused_naming_it(tmp_path):
    crate = copy_crate(HELLO, tmp_path)
    lib = crate / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace(
        "pub unsafe extern \"C\" fn entrypoint(_input: *mut u8) -> u64 {",
        "pub unsafe extern \"C\" fn entrypoint(_input: *mut u8) -> u64 {\n"
        "    COUNTER += *_input as u64;\n    if COUNTER > 3 { return 1; }") +
        "\n#[no_mangle]\npub static mut COUNTER: u64 = 7;\n")
    with pytest.raises(BuildError, match=r"writable data.*`COUNTER`"):
        build_program(crate, target=tmp_path / "t", anchor_toml=None)
    assert not (tmp_path / "t" / "deploy" / "hello.so").exists()


def test_rust_compile_error_is_reported(tmp_path):
    crate = copy_crate(HELLO, tmp_path)
    lib = crate / "src" / "lib.rs"
    lib.write_text(lib.read_text() + "\nfn broken() -> u64 { \"not a number\" }\n")
    with pytest.raises(BuildError, match="mismatched types"):
        build_program(crate, target=tmp_path / "t", anchor_toml=None)


def test_crate_manifest_is_read():
    crate = Crate.read(CRATES / "arith")
    assert crate.lib_name == "arith" and crate.is_program
