"""`gridpay bench toolchain`: Rust -> SBF build times and the compute units of
the arithmetic the pass plugin lowers.

Builds (a copy of programs/, private target directory, so the project's
target/ is untouched), each beside a baseline measured in the same run:
- clean SBF build of every program vs a clean host ``cargo build --release``
  of the same crates (the ratio is the cost of the SBF back end);
- no-change rebuild and one-file-changed rebuild vs the clean build.

Compute units (tests/toolchain/crates/arith in LiteSVM): each lowered
operation vs ``u64::checked_add`` through the same entrypoint (the ratio
prices the lowering; the absolute figures include ~170 CU of entrypoint,
request parsing and ``sol_set_return_data``).

SDK primitives (programs/example in LiteSVM, the .so of the clean build
above): the entrypoint with 0..32 accounts, a log line, PDA create and
find, System and SPL Token CPIs, each beside the pinocchio SDK's published
figure for the same operation where one exists (sources printed; rows where
the measured program does more or less than the published one say how).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
ARITH = ROOT / "tests" / "toolchain" / "crates" / "arith"

U64 = (1 << 64) - 1
U128 = (1 << 128) - 1


def _copy_programs(into: Path) -> Path:
    dest = into / "programs"
    shutil.copytree(ROOT / "programs", dest,
                    ignore=shutil.ignore_patterns("target", "__pycache__"))
    return dest


def _build_all(crates, target: Path) -> float:
    from toolchain.sbf.build import _build

    started = time.perf_counter()
    for crate in crates:
        _build(crate, target, None)
    return time.perf_counter() - started


def build_times(work: Path) -> list[tuple[str, float, float]]:
    """(what, seconds, baseline seconds) rows."""
    from toolchain.sbf import tools
    from toolchain.sbf.build import program_crates

    tools.build_plugin()
    tools.runtime_bitcode()
    programs = _copy_programs(work)
    crates = program_crates(programs)
    target = work / "target"

    clean = _build_all(crates, target)
    started = time.perf_counter()
    for crate in crates:
        host_build(crate.dir, work / "host")
    host = time.perf_counter() - started
    unchanged = _build_all(crates, target)
    edited = crates[0].dir / "src" / "lib.rs"
    edited.write_text(edited.read_text() + "\n// bench: touched\n")
    started = time.perf_counter()
    _build_all(crates[:1], target)
    one = time.perf_counter() - started
    names = ", ".join(c.lib_name for c in crates)
    return [
        (f"clean SBF build, {len(crates)} programs ({names}) vs host cargo build", clean, host),
        ("rebuild, nothing changed vs clean", unchanged, clean),
        (f"rebuild, {crates[0].lib_name}/src/lib.rs changed vs clean", one, clean),
    ]


def host_build(crate_dir: Path, target: Path) -> None:
    """Host release build of a crate's library: the baseline compile."""
    from toolchain.sbf import tools

    env = dict(os.environ, RUSTC=tools.RUSTC, CARGO_TARGET_DIR=str(target),
               CARGO_NET_OFFLINE="true")
    env.pop("RUSTFLAGS", None)
    tools.run([tools.CARGO, "build", "--release", "--lib", "--manifest-path",
               str(crate_dir / "Cargo.toml")], "host build", env=env)


def _le(value: int, bits: int) -> bytes:
    return (value & ((1 << bits) - 1)).to_bytes(bits // 8, "little")


# (label, request) with operands that take the slow paths
CU_CASES = [
    ("u64 checked_add (baseline)", bytes([3]) + _le(123, 64) + _le(456, 64)),
    ("u64 checked_mul", bytes([2]) + _le(U64 // 3, 64) + _le(3, 64)),
    ("i64 checked div/rem/div_euclid", bytes([4]) + _le(-(10**18) - 7, 64) + _le(-13, 64)),
    ("fee: amount * bps / 10_000 (u128)", bytes([9]) + _le(U64, 64) + _le(9_999, 64)),
    ("u128 wrapping_mul", bytes([0]) + _le(U128 // 7, 128) + _le(U128 // 11, 128)),
    ("u128 checked_mul", bytes([5]) + _le(U64, 128) + _le(U64, 128)),
    ("u128 checked div/rem, 128-bit divisor",
     bytes([1]) + _le(U128 - 12345, 128) + _le((1 << 100) + 17, 128)),
    ("u128 checked div/rem, 32-bit divisor", bytes([1]) + _le(U128 - 1, 128) + _le(10_000, 128)),
    ("i128 checked div/rem", bytes([7]) + _le(-(1 << 120) - 5, 128) + _le((1 << 70) + 3, 128)),
    ("i128 checked/overflowing mul", bytes([6]) + _le(-(1 << 60), 128) + _le(1 << 66, 128)),
    ("7-argument call", bytes([10]) + _le(1, 64) + struct.pack("<I", 2) + bytes([3]) + _le(4, 64)
     + struct.pack("<I", 5) + _le(6, 64) + _le(7, 64)),
    ("core::fmt of u64/u128/i64/i128", bytes([17]) + _le(U64, 64) + _le(U128, 128)
     + _le(-(1 << 63), 64) + _le(-(1 << 127), 128)),
]


def compute_units(work: Path) -> list[tuple[str, int]]:
    from toolchain.sbf import build_program
    from toolchain.sbf.differential import SbfProgram

    crate = work / "arith"
    shutil.copytree(ARITH, crate, ignore=shutil.ignore_patterns("target"))
    program = SbfProgram(build_program(crate, target=work / "target", anchor_toml=None))
    rows = []
    for label, request in CU_CASES:
        outcome = program.invoke(request)
        if not outcome.ok:
            raise click.ClickException(f"{label}: {outcome.error}")
        rows.append((label, outcome.compute_units))
    return rows


# --- SDK primitives beside pinocchio's published figures --------------------

#: The published pinocchio figures, by the source they come from.
SOURCES = {
    "eisodos": "febo/eisodos README, latest table (commit 3a44892, 2025-08-09): pinocchio 0.9.0"
               " + pinocchio-system 0.3, platform tools v1.51 with LTO, measured in mollusk",
    "rosetta": "joncinque/solana-program-rosetta README, 'CPI' table (commit d73dcbb,"
               " 2024-11-18): pinocchio 0.6 lazy_entrypoint, measured in solana-program-test",
}
#: eisodos "Ping" (no account, 1-byte instruction tag, empty processor).
EISODOS_PING = 14
#: eisodos "Log": Ping plus ``msg!("Instruction: Log")``.
EISODOS_LOG = 118
#: eisodos "Account (N)": N distinct read-only, data-less System accounts;
#: the processor compares their count with a u64 in the instruction data.
EISODOS_ACCOUNTS = {1: 22, 3: 44, 5: 59, 10: 101, 20: 177, 32: 269}
#: eisodos "Transfer": System transfer CPI, fixed amount, no account checks.
EISODOS_TRANSFER = 1_287
#: solana-program-rosetta "cpi": create_program_address + System Allocate(42)
#: CPI signed by the PDA (lazy entrypoint, ``invoke_signed_unchecked``).
ROSETTA_CPI = 2_816

SCRATCH_SEED = b"scratch"  # programs/example/src/state.rs
SCRATCH_LEN = 42
DECIMALS = 6


@dataclass(frozen=True)
class Primitive:
    """A measured row: the example program's compute units (its CPI callee's
    included, and shown apart) beside pinocchio's published figure."""

    label: str
    cu: int
    callee_cu: int | None = None
    pinocchio: int | None = None
    source: str = ""
    accounts: int | None = None  # entrypoint rows: accounts passed


def _discriminator(name: str) -> bytes:
    return hashlib.sha256(f"global:{name}".encode()).digest()[:8]


def _address(name: str):
    from solders.pubkey import Pubkey

    return Pubkey(hashlib.sha256(b"bench-toolchain-" + name.encode()).digest())


def _keypair(name: str):
    from solders.keypair import Keypair

    return Keypair.from_seed(hashlib.sha256(b"bench-toolchain-" + name.encode()).digest())


def _program_id(bump_ok: Callable[[int], bool]):
    """The first of a fixed series of program ids whose scratch PDA has a bump
    ``bump_ok`` accepts (``find_program_address`` pays per bump tried)."""
    from solders.pubkey import Pubkey

    for i in range(256):
        program_id = _address(f"program-{i}")
        if bump_ok(Pubkey.find_program_address([SCRATCH_SEED], program_id)[1]):
            return program_id
    raise click.ClickException("no program id with the wanted scratch PDA bump")


class _Example:
    """programs/example in a LiteSVM; one committed transaction per call."""

    def __init__(self, svm, so_bytes: bytes, program_id) -> None:
        self.svm = svm
        self.program_id = program_id
        svm.add_program(program_id, so_bytes)
        self.payer = _keypair("payer")
        svm.airdrop(self.payer.pubkey(), 100_000_000_000)

    def send(self, instructions, signers=()) -> list[str]:
        from solders.message import Message
        from solders.transaction import Transaction
        from solders.transaction_metadata import FailedTransactionMetadata

        self.svm.expire_blockhash()
        blockhash = self.svm.latest_blockhash()
        message = Message.new_with_blockhash(instructions, self.payer.pubkey(), blockhash)
        result = self.svm.send_transaction(Transaction([self.payer, *signers], message, blockhash))
        if isinstance(result, FailedTransactionMetadata):
            tail = "\n".join(result.meta().logs()[-6:])
            raise click.ClickException(f"bench transaction failed: {result.err()}\n{tail}")
        return list(result.logs())

    def call(self, name: str, args: bytes = b"", accounts=(), signers=()):
        """(the example's CU, its callee's CU or None, the logs)."""
        from solders.instruction import Instruction

        from pyclients.solana.common.logs import invocations

        ix = Instruction(self.program_id, _discriminator(name) + args, list(accounts))
        logs = self.send([ix], signers)
        runs = invocations(logs)
        own = [r.compute_units for r in runs if r.depth == 1 and r.program == str(self.program_id)]
        callee = [r.compute_units for r in runs if r.depth == 2]
        return own[-1], (sum(callee) if callee else None), logs

    def scratch_pda(self):
        from solders.pubkey import Pubkey

        return Pubkey.find_program_address([SCRATCH_SEED], self.program_id)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise click.ClickException(f"bench: {what}")


def primitives(so_path: Path) -> list[Primitive]:
    """Each SDK primitive run once through programs/example, its effect checked."""
    from solders.account import Account
    from solders.instruction import AccountMeta
    from solders.litesvm import LiteSVM
    from solders.system_program import ID as SYSTEM_PROGRAM_ID

    svm = LiteSVM()
    so_bytes = so_path.read_bytes()
    # canonical bump 255: find_program_address succeeds on its first try
    ex = _Example(svm, so_bytes, _program_id(lambda bump: bump == 255))
    rows: list[Primitive] = []

    for n in (0, 1, 3, 5, 10, 20, 32):
        keys = [_address(f"entry-{n}-{i}") for i in range(n)]
        for key in keys:  # as eisodos: funded, System-owned, no data
            svm.set_account(key, Account(2_000_000_000, b"", SYSTEM_PROGRAM_ID))
        cu, _, _ = ex.call("noop", b"", [AccountMeta(k, False, False) for k in keys])
        label = f"entrypoint, {n} account{'' if n == 1 else 's'} (noop) | "
        label += f"Account ({n})" if n else "Ping"
        rows.append(Primitive(label, cu, None, EISODOS_ACCOUNTS.get(n, EISODOS_PING), "eisodos", n))

    cu, _, logs = ex.call("log_line")
    _check("Program log: Instruction: Log" in logs, "log_line did not log")
    rows.append(Primitive("log one line (log_line) | Log", cu, None, EISODOS_LOG, "eisodos"))

    pda, bump = ex.scratch_pda()
    cu, _, _ = ex.call("derive_pda", bytes([bump]), [AccountMeta(pda, False, False)])
    rows.append(Primitive("create_program_address (derive_pda)", cu))
    cu, _, _ = ex.call("find_bump", b"", [AccountMeta(pda, False, False)])
    rows.append(Primitive("find_program_address, 1 bump tried (find_bump)", cu))
    far = _Example(svm, so_bytes, _program_id(lambda b: b <= 253))
    far_pda, far_bump = far.scratch_pda()
    cu, _, _ = far.call("find_bump", b"", [AccountMeta(far_pda, False, False)])
    rows.append(Primitive(f"find_program_address, {256 - far_bump} bumps tried (find_bump)", cu))

    # The System program is a builtin: it logs no "consumed" line, so its
    # share of a CPI is what it charges when called directly.
    system_cu = _direct_system_transfer(ex)
    rent = svm.minimum_balance_for_rent_exemption(SCRATCH_LEN)
    svm.set_account(pda, Account(rent, b"", SYSTEM_PROGRAM_ID))
    cu, _, _ = ex.call("allocate_pda", bytes([bump]), [
        AccountMeta(pda, False, True), AccountMeta(SYSTEM_PROGRAM_ID, False, False)])
    _check(len(svm.get_account(pda).data) == SCRATCH_LEN, "allocate_pda did not allocate")
    rows.append(Primitive("PDA create + signed System Allocate CPI (allocate_pda) | rosetta cpi",
                          cu, system_cu, ROSETTA_CPI, "rosetta"))

    sender, receiver = _keypair("sender"), _address("receiver")
    svm.airdrop(sender.pubkey(), 2_000_000_000)
    cu, _, _ = ex.call("transfer_sol", struct.pack("<Q", 1_000_000_000), [
        AccountMeta(sender.pubkey(), True, True), AccountMeta(receiver, False, True),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False)], [sender])
    _check(svm.get_balance(receiver) == 1_000_000_000, "transfer_sol moved the wrong amount")
    rows.append(Primitive("CPI System Transfer (transfer_sol) | Transfer", cu, system_cu,
                          EISODOS_TRANSFER, "eisodos"))

    cu, callee = _token_transfer(ex, sender)
    rows.append(Primitive("CPI SPL Token TransferChecked (transfer_tokens)", cu, callee))
    return rows


def _direct_system_transfer(ex: _Example) -> int:
    """CU of a System transfer sent as a top-level instruction."""
    from solders.message import Message
    from solders.system_program import TransferParams, transfer
    from solders.transaction import Transaction

    ix = transfer(TransferParams(from_pubkey=ex.payer.pubkey(), to_pubkey=_address("direct"),
                                 lamports=1_000_000))
    ex.svm.expire_blockhash()
    blockhash = ex.svm.latest_blockhash()
    tx = Transaction([ex.payer], Message.new_with_blockhash([ix], ex.payer.pubkey(), blockhash),
                     blockhash)
    result = ex.svm.send_transaction(tx)
    _check(ex.svm.get_balance(_address("direct")) == 1_000_000, f"direct transfer: {result}")
    return result.compute_units_consumed()


def _token_transfer(ex: _Example, owner) -> tuple[int, int | None]:
    """A mint and two token accounts, then one TransferChecked through the example."""
    from solders.instruction import AccountMeta

    from pyclients.solana.common.token import (
        TOKEN_ACCOUNT_LEN,
        TOKEN_PROGRAM_ID,
        TokenAccount,
        associated_token_address,
        create_ata_idempotent,
        create_mint_instructions,
        mint_to,
    )

    payer, mint = ex.payer.pubkey(), _keypair("mint")
    recipient = _address("token-recipient")
    rent = ex.svm.minimum_balance_for_rent_exemption(82)
    ex.send(create_mint_instructions(payer, mint.pubkey(), payer, DECIMALS, rent), [mint])
    source = associated_token_address(owner.pubkey(), mint.pubkey())
    destination = associated_token_address(recipient, mint.pubkey())
    ex.send([create_ata_idempotent(payer, owner.pubkey(), mint.pubkey()),
             create_ata_idempotent(payer, recipient, mint.pubkey()),
             mint_to(mint.pubkey(), source, payer, 1_000_000, DECIMALS)])
    cu, callee, _ = ex.call("transfer_tokens", struct.pack("<QB", 250_000, DECIMALS), [
        AccountMeta(source, False, True), AccountMeta(mint.pubkey(), False, False),
        AccountMeta(destination, False, True), AccountMeta(owner.pubkey(), True, False),
        AccountMeta(TOKEN_PROGRAM_ID, False, False)], [owner])
    data = bytes(ex.svm.get_account(destination).data)
    _check(len(data) == TOKEN_ACCOUNT_LEN and TokenAccount.decode(data).amount == 250_000,
           "transfer_tokens moved the wrong amount")
    return cu, callee


def _print_primitives(rows: list[Primitive]) -> None:
    click.echo(f"{'SDK primitives in LiteSVM (programs/example) | pinocchio benchmark':<72} "
               f"{'CU':>8} {'callee':>7} {'pinocchio':>9} {'ratio':>7}")
    cited = []
    for row in rows:
        callee = f"{row.callee_cu:,}" if row.callee_cu is not None else "-"
        if row.pinocchio is None:
            published, ratio = "-", "-"
        else:
            if row.source not in cited:
                cited.append(row.source)
            published = f"{row.pinocchio:,} [{cited.index(row.source) + 1}]"
            ratio = f"{row.cu / row.pinocchio:.2f}x"
        click.echo(f"{row.label:<72} {row.cu:>8,} {callee:>7} {published:>9} {ratio:>7}")
    by_accounts = {row.accounts: row.cu for row in rows if row.accounts is not None}
    one, many = by_accounts[1], by_accounts[32]
    pin = (EISODOS_ACCOUNTS[32] - EISODOS_ACCOUNTS[1]) / 31
    click.echo(f"per extra account (1 -> 32): {(many - one) / 31:.1f} CU, pinocchio {pin:.1f} CU")
    click.echo("CU: the example program's total for the instruction, CPI callee included "
               "('callee' is that part;\n  the System program, a builtin, as measured called "
               "directly). ratio = CU / pinocchio.")
    for i, source in enumerate(cited, 1):
        click.echo(f"[{i}] {SOURCES[source]}")
    from importlib.metadata import version

    click.echo(
        "Like with like, except: noop dispatches on an 8-byte Anchor discriminator over all the\n"
        "  example's instructions (eisodos: a 1-byte tag over 5; Account (N) also reads a u64 and\n"
        "  compares the account count); transfer_sol reads its amount and checks signer,\n"
        "  writability and the System program id (eisodos: fixed amount, no checks); allocate_pda\n"
        "  runs the full entrypoint, checks writability and the System program id and tracks\n"
        "  borrows (rosetta: lazy entrypoint, invoke_signed_unchecked). Runtime: LiteSVM (solders\n"
        f"  {version('solders')}), not mollusk / program-test; the syscall prices are the same\n"
        "  (log 100, create_program_address 1,500, find 1,500 per bump tried, CPI 1,000 +\n"
        "  callee).\n"
        "No published pinocchio figure was found for create/find_program_address alone or for a\n"
        "  TransferChecked CPI (p-token's tables price the token program itself, not a CPI).")


def run(cu_only: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="gridpay-bench-sbf-") as tmp:
        work = Path(tmp)
        if cu_only:
            from toolchain.sbf import build_program

            builds = []
            example = build_program(_copy_programs(work) / "example", target=work / "target",
                                    anchor_toml=None)
        else:
            builds = build_times(work)
            example = work / "target" / "deploy" / "example.so"
        cus = compute_units(work)
        started = time.perf_counter()
        prims = primitives(example)
        prims_seconds = time.perf_counter() - started
    if builds:
        click.echo(f"{'build':<72} {'seconds':>8} {'baseline':>9} {'ratio':>7}")
        for what, seconds, baseline in builds:
            click.echo(f"{what:<72} {seconds:>8.2f} {baseline:>9.2f} {seconds / baseline:>6.2f}x")
        click.echo("")
    base = cus[0][1]
    click.echo(f"{'compute units in LiteSVM (arith program)':<72} {'CU':>8} {'vs base':>9}")
    for label, cu in cus:
        click.echo(f"{label:<72} {cu:>8,} {cu / base:>8.2f}x")
    click.echo("")
    _print_primitives(prims)
    click.echo(f"(primitives measured in {prims_seconds:.1f} s)")


@click.command("toolchain")
@click.option("--cu-only", is_flag=True, help="Skip the build timings (compute units only).")
def toolchain(cu_only: bool) -> None:
    """Rust -> SBF build times, CU of the lowered arithmetic and of SDK
    primitives beside pinocchio's published figures."""
    run(cu_only)
