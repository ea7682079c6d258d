"""Every SDK feature, run inside LiteSVM through programs/example.

Each example instruction exercises one SDK piece (see programs/example/src/
lib.rs); each test checks the effect a program author relies on — bytes in
accounts, balances, return data, logs, the exact error — and records the
instruction's compute units. A full run rewrites programs/sdk/CU.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import INSTRUCTIONS as INSTRUCTIONS_SYSVAR
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from pyclients.solana.common.token import (
    TOKEN_PROGRAM_ID,
    TokenAccount,
    associated_token_address,
    create_ata_idempotent,
    create_mint_instructions,
    mint_to,
)
from pyclients.solana.receipts import ED25519_PROGRAM_ID, ed25519_instruction

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "programs" / "example"
CU_TABLE = ROOT / "programs" / "sdk" / "CU.md"

DECIMALS = 6
NOTE_LEN = 8 + 32 + 8 + 1


def discriminator(namespace: str, name: str) -> bytes:
    return hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:8]


def ix_data(name: str, args: bytes = b"") -> bytes:
    return discriminator("global", name) + args


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


# What each recorded instruction does, for the CU table (also the set a full
# run must have measured before the table is rewritten).
CU_ROWS = {
    "noop (0 accounts)": "entrypoint: input parsing and dispatch",
    "noop (10 accounts)": "entrypoint with 10 distinct accounts",
    "noop (10 positions, 1 account)": "entrypoint with one account and 9 duplicates of it",
    "log_event": "sol_log_ ×1, sol_log_64_, sol_log_pubkey, sol_log_compute_units_, event via sol_log_data",
    "create_note": "find_program_address + CreateAccount CPI signed by the PDA + state init",
    "create_note (pre-funded PDA)": "find_program_address + Allocate and Assign CPIs signed by the PDA",
    "find_pda": "find_program_address + create_program_address, return data",
    "transfer_sol": "System Transfer CPI",
    "token_deposit (creates vault)": "find_program_address + CreateAccount + InitializeAccount3 + TransferChecked CPIs",
    "token_deposit": "find_program_address + TransferChecked CPI, token account and mint readers",
    "token_withdraw": "find_program_address + TransferChecked CPI signed by the vault PDA",
    "token_withdraw (closes vault)": "find_program_address + TransferChecked + CloseAccount CPIs signed by the vault PDA",
    "read_sysvars": "sol_get_clock_sysvar + sol_get_rent_sysvar, rent-exempt minimum",
    "verify_ed25519": "instructions sysvar, load previous instruction, parse Ed25519 precompile entry",
    "fail_custom": "dispatch to an Anchor-style custom error (6001)",
    "duplicates (same account twice)": "entrypoint with a duplicate account, shared borrow state",
    "borrow_conflict (released borrow, CPI)": "borrow tracking checks + System Transfer CPI",
    "close_note": "state load + verify_pda (create_program_address) + close",
}


@dataclass
class Outcome:
    ok: bool
    compute_units: int
    logs: list[str]
    return_data: bytes
    error: int | str | None = None  # custom code, or the builtin error's name


@dataclass
class Env:
    svm: LiteSVM
    program_id: Pubkey
    payer: Keypair
    cu: dict[str, int] = field(default_factory=dict)
    keys_made: int = 0

    def keypair(self) -> Keypair:
        """A new keypair, the same in every run: PDAs (and so the bumps
        tried, and the compute units) do not vary between runs."""
        self.keys_made += 1
        return Keypair.from_seed(hashlib.sha256(b"sdk-example-key-%d" % self.keys_made).digest())

    def send(self, instructions: list[Instruction], signers: list[Keypair] | None = None) -> Outcome:
        signers = [self.payer, *(signers or [])]
        self.svm.expire_blockhash()
        blockhash = self.svm.latest_blockhash()
        message = Message.new_with_blockhash(instructions, self.payer.pubkey(), blockhash)
        result = self.svm.send_transaction(Transaction(signers, message, blockhash))
        if isinstance(result, FailedTransactionMetadata):
            meta, error = result.meta(), _error(result.err())
            return Outcome(False, self._program_cu(meta.logs()), list(meta.logs()), bytes(meta.return_data().data), error)
        return Outcome(True, self._program_cu(result.logs()), list(result.logs()), bytes(result.return_data().data))

    def call(self, name: str, args: bytes, accounts: list[AccountMeta], signers: list[Keypair] | None = None,
             pre: list[Instruction] | None = None) -> Outcome:
        return self.send([*(pre or []), Instruction(self.program_id, ix_data(name, args), accounts)], signers)

    def record(self, row: str, outcome: Outcome) -> None:
        assert outcome.ok, outcome.logs
        self.cu[row] = outcome.compute_units

    def _program_cu(self, logs: list[str]) -> int:
        """Compute units the example program itself consumed (its top-level call)."""
        pattern = re.compile(rf"Program {self.program_id} consumed (\d+) of \d+ compute units")
        used = [int(m.group(1)) for line in logs if (m := pattern.match(line))]
        return used[-1] if used else 0

    def fund(self, lamports: int = 10_000_000_000) -> Keypair:
        kp = self.keypair()
        self.svm.airdrop(kp.pubkey(), lamports)
        return kp

    def balance(self, key: Pubkey) -> int:
        account = self.svm.get_account(key)
        return account.lamports if account is not None else 0


def _error(err: object) -> int | str:
    assert isinstance(err, TransactionErrorInstructionError), err
    if isinstance(err.err, InstructionErrorCustom):
        return err.err.code
    return str(err.err).rsplit(".", 1)[-1]


@pytest.fixture(scope="module")
def example_so(sbf_build) -> Path:
    return sbf_build(EXAMPLE)


@pytest.fixture(scope="module")
def cu_table(cu_record):
    rows: dict[str, int] = {}
    yield rows
    for name, units in rows.items():
        cu_record(f"sdk example: {name}", units)
    if set(rows) == set(CU_ROWS):
        lines = [
            "# SDK compute units",
            "",
            "Regenerated by `tests/toolchain/test_sdk_example.py` (a full run): compute",
            "units the example program consumes per instruction in LiteSVM, CPI callees",
            "included. Syscalls dominate: a log line costs 100, `create_program_address`",
            "1,500, `find_program_address` 1,500 per bump tried, a CPI about 1,000 plus",
            "what the callee uses.",
            "",
            "| instruction | CU | what runs |",
            "|---|---:|---|",
        ]
        lines += [f"| {name} | {rows[name]:,} | {CU_ROWS[name]} |" for name in CU_ROWS]
        CU_TABLE.write_text("\n".join(lines) + "\n")


@pytest.fixture
def env(example_so: Path, cu_table: dict[str, int]) -> Env:
    svm = LiteSVM()
    program_id = Keypair.from_seed(hashlib.sha256(b"sdk-example-program").digest()).pubkey()
    svm.add_program(program_id, example_so.read_bytes())
    payer = Keypair.from_seed(hashlib.sha256(b"sdk-example-payer").digest())
    svm.airdrop(payer.pubkey(), 100_000_000_000)
    return Env(svm, program_id, payer, cu_table)


def note_address(env: Env, owner: Pubkey) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"note", bytes(owner)], env.program_id)


def create_note_accounts(env: Env, owner: Pubkey) -> list[AccountMeta]:
    return [
        AccountMeta(owner, True, True),
        AccountMeta(note_address(env, owner)[0], False, True),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]


# --- entrypoint ---------------------------------------------------------------


def test_noop_measures_the_entrypoint(env: Env) -> None:
    env.record("noop (0 accounts)", env.call("noop", b"", []))
    many = [AccountMeta(env.fund(1_000_000).pubkey(), False, i % 2 == 0) for i in range(10)]
    env.record("noop (10 accounts)", env.call("noop", b"", many))
    one = env.fund(1_000_000).pubkey()
    env.record("noop (10 positions, 1 account)", env.call("noop", b"", [AccountMeta(one, False, True)] * 10))


# --- logs and events -------------------------------------------------------


def test_log_event_writes_every_log_kind_and_an_anchor_event(env: Env) -> None:
    user = env.payer.pubkey()
    out = env.call("log_event", u64(42), [AccountMeta(user, True, False)])
    env.record("log_event", out)
    logs = out.logs
    assert "Program log: example: log_event" in logs
    assert "Program log: 0x2a, 0x1, 0x2, 0x3, 0x4" in logs
    assert f"Program log: {user}" in logs
    assert any(re.match(r"Program consumption: \d+ units remaining", line) for line in logs)
    data = [base64.b64decode(line.split(": ", 1)[1]) for line in logs if line.startswith("Program data: ")]
    assert data == [discriminator("event", "ValueLogged") + bytes(user) + u64(42)]


def test_log_event_requires_the_signer(env: Env) -> None:
    out = env.call("log_event", u64(1), [AccountMeta(env.keypair().pubkey(), False, False)])
    assert out.error == "MissingRequiredSignature"


def test_truncated_arguments_are_invalid_instruction_data(env: Env) -> None:
    out = env.call("log_event", b"\x01\x02", [AccountMeta(env.payer.pubkey(), True, False)])
    assert out.error == "InvalidInstructionData"
    assert env.send([Instruction(env.program_id, b"\x00" * 8, [])]).error == 6000  # UnknownInstruction
    assert env.send([Instruction(env.program_id, b"\x00" * 7, [])]).error == "InvalidInstructionData"


# --- PDAs and System CPIs --------------------------------------------------


def test_create_note_creates_the_pda_with_its_state(env: Env) -> None:
    owner = env.payer.pubkey()
    note, bump = note_address(env, owner)
    before = env.balance(owner)
    out = env.call("create_note", u64(7), create_note_accounts(env, owner))
    env.record("create_note", out)
    account = env.svm.get_account(note)
    rent = env.svm.minimum_balance_for_rent_exemption(NOTE_LEN)
    assert account.owner == env.program_id
    assert account.lamports == rent
    assert bytes(account.data) == discriminator("account", "Note") + bytes(owner) + u64(7) + bytes([bump])
    assert before - env.balance(owner) == rent + 5_000  # rent plus the fee

    again = env.call("create_note", u64(8), create_note_accounts(env, owner))
    assert again.error == "AccountAlreadyInitialized"
    assert bytes(env.svm.get_account(note).data)[40:48] == u64(7)


def test_create_note_survives_a_pre_funded_pda(env: Env) -> None:
    """Anyone can send lamports to a predictable PDA; creation must still work."""
    owner = env.payer.pubkey()
    note, _ = note_address(env, owner)
    env.svm.airdrop(note, 1_000)
    out = env.call("create_note", u64(9), create_note_accounts(env, owner))
    env.record("create_note (pre-funded PDA)", out)
    account = env.svm.get_account(note)
    assert account.owner == env.program_id
    assert account.lamports == env.svm.minimum_balance_for_rent_exemption(NOTE_LEN)
    assert bytes(account.data)[40:48] == u64(9)


def test_create_note_refuses_another_address(env: Env) -> None:
    owner = env.payer.pubkey()
    accounts = create_note_accounts(env, owner)
    accounts[1] = AccountMeta(env.keypair().pubkey(), False, True)
    assert env.call("create_note", u64(1), accounts).error == "InvalidSeeds"
    accounts = create_note_accounts(env, owner)
    accounts[2] = AccountMeta(TOKEN_PROGRAM_ID, False, False)
    assert env.call("create_note", u64(1), accounts).error == "IncorrectProgramId"


@pytest.mark.parametrize("seed", [b"", b"gridpay", bytes(range(32))])
def test_find_pda_matches_solders(env: Env, seed: bytes) -> None:
    out = env.call("find_pda", seed, [])
    if seed == b"gridpay":
        env.record("find_pda", out)
    address, bump = Pubkey.find_program_address([seed], env.program_id)
    assert out.return_data == bytes(address) + bytes([bump])


def test_find_pda_refuses_a_long_seed(env: Env) -> None:
    assert env.call("find_pda", b"x" * 33, []).error == "MaxSeedLengthExceeded"


def test_transfer_sol_moves_lamports(env: Env) -> None:
    sender = env.fund(1_000_000_000)
    recipient = env.keypair().pubkey()
    accounts = [AccountMeta(sender.pubkey(), True, True), AccountMeta(recipient, False, True),
                AccountMeta(SYSTEM_PROGRAM_ID, False, False)]
    out = env.call("transfer_sol", u64(123_456_789), accounts, [sender])
    env.record("transfer_sol", out)
    assert env.balance(recipient) == 123_456_789
    assert env.balance(sender.pubkey()) == 1_000_000_000 - 123_456_789


def test_transfer_sol_needs_the_senders_signature(env: Env) -> None:
    sender = env.fund(1_000_000_000)
    accounts = [AccountMeta(sender.pubkey(), False, True), AccountMeta(env.keypair().pubkey(), False, True),
                AccountMeta(SYSTEM_PROGRAM_ID, False, False)]
    assert env.call("transfer_sol", u64(5), accounts).error == "MissingRequiredSignature"
    assert env.balance(sender.pubkey()) == 1_000_000_000


# --- SPL Token CPIs --------------------------------------------------------


@dataclass
class TokenSetup:
    mint: Pubkey
    user: Keypair
    user_token: Pubkey
    vault: Pubkey


def token_setup(env: Env, minted: int = 1_000_000_000) -> TokenSetup:
    mint, user = env.keypair(), env.fund()
    rent = env.svm.minimum_balance_for_rent_exemption(82)
    env.send(create_mint_instructions(env.payer.pubkey(), mint.pubkey(), env.payer.pubkey(), DECIMALS, rent), [mint])
    user_token = associated_token_address(user.pubkey(), mint.pubkey())
    setup = env.send([create_ata_idempotent(env.payer.pubkey(), user.pubkey(), mint.pubkey()),
                      mint_to(mint.pubkey(), user_token, env.payer.pubkey(), minted, DECIMALS)])
    assert setup.ok, setup.logs
    vault, _ = Pubkey.find_program_address([b"vault", bytes(mint.pubkey())], env.program_id)
    return TokenSetup(mint.pubkey(), user, user_token, vault)


def token_amount(env: Env, account: Pubkey) -> int:
    return TokenAccount.decode(bytes(env.svm.get_account(account).data)).amount


def deposit_accounts(t: TokenSetup, user_token: Pubkey | None = None) -> list[AccountMeta]:
    return [
        AccountMeta(t.user.pubkey(), True, True),
        AccountMeta(user_token or t.user_token, False, True),
        AccountMeta(t.mint, False, False),
        AccountMeta(t.vault, False, True),
        AccountMeta(TOKEN_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]


def test_token_deposit_creates_the_vault_and_transfers(env: Env) -> None:
    t = token_setup(env)
    first = env.call("token_deposit", u64(250_000), deposit_accounts(t), [t.user])
    env.record("token_deposit (creates vault)", first)
    vault = TokenAccount.decode(bytes(env.svm.get_account(t.vault).data))
    assert (vault.mint, vault.owner, vault.amount) == (t.mint, t.vault, 250_000)
    assert env.svm.get_account(t.vault).owner == TOKEN_PROGRAM_ID
    assert first.return_data == u64(250_000)

    second = env.call("token_deposit", u64(1), deposit_accounts(t), [t.user])
    env.record("token_deposit", second)
    assert second.return_data == u64(250_001)
    assert token_amount(env, t.user_token) == 1_000_000_000 - 250_001


def test_token_deposit_refuses_a_token_account_of_another_mint(env: Env) -> None:
    t = token_setup(env)
    other = token_setup(env)
    # The user's account for another mint, owned by someone else too.
    out = env.call("token_deposit", u64(1), deposit_accounts(t, user_token=other.user_token), [t.user])
    assert out.error == 6003  # WrongMint
    assert token_amount(env, other.user_token) == 1_000_000_000
    assert env.svm.get_account(t.vault) is None or env.balance(t.vault) == 0


def test_token_withdraw_signs_with_the_vault_pda_and_closes_it(env: Env) -> None:
    t = token_setup(env)
    assert env.call("token_deposit", u64(500), deposit_accounts(t), [t.user]).ok
    withdraw_accounts = deposit_accounts(t)[:5]

    too_much = env.call("token_withdraw", u64(501), withdraw_accounts, [t.user])
    assert too_much.error == 6006  # InsufficientVaultBalance

    part = env.call("token_withdraw", u64(200), withdraw_accounts, [t.user])
    env.record("token_withdraw", part)
    assert part.return_data == u64(300)
    assert token_amount(env, t.vault) == 300

    vault_rent = env.balance(t.vault)
    user_before = env.balance(t.user.pubkey())
    rest = env.call("token_withdraw", u64(300), withdraw_accounts, [t.user])
    env.record("token_withdraw (closes vault)", rest)
    assert rest.return_data == u64(0)
    assert env.balance(t.vault) == 0
    assert env.balance(t.user.pubkey()) == user_before + vault_rent
    assert token_amount(env, t.user_token) == 1_000_000_000


# --- sysvars ---------------------------------------------------------------


def test_read_sysvars_returns_clock_and_rent(env: Env) -> None:
    clock = env.svm.get_clock()
    clock.slot, clock.unix_timestamp, clock.epoch = 4_242, 1_700_000_123, 7
    env.svm.set_clock(clock)
    out = env.call("read_sysvars", u64(165), [])
    env.record("read_sysvars", out)
    slot, unix_timestamp, epoch, minimum, per_byte_year = struct.unpack("<QqQQQ", out.return_data)
    assert (slot, unix_timestamp, epoch) == (4_242, 1_700_000_123, 7)
    assert minimum == env.svm.minimum_balance_for_rent_exemption(165)
    assert per_byte_year == env.svm.get_rent().lamports_per_byte_year


# --- Ed25519 introspection -------------------------------------------------


def verify_accounts(signer: Pubkey) -> list[AccountMeta]:
    return [AccountMeta(INSTRUCTIONS_SYSVAR, False, False), AccountMeta(signer, False, False)]


def test_verify_ed25519_finds_the_signature(env: Env) -> None:
    operator = env.keypair()
    message = b"receipt: job 17, 1200 tokens"
    precompile = ed25519_instruction(operator.pubkey(), message, operator.sign_message(message))
    out = env.call("verify_ed25519", message, verify_accounts(operator.pubkey()), pre=[precompile])
    env.record("verify_ed25519", out)
    assert out.return_data == bytes([0])


def test_verify_ed25519_refuses_other_messages_keys_and_missing_proofs(env: Env) -> None:
    operator, stranger = env.keypair(), env.keypair()
    message = b"receipt: job 17"
    precompile = ed25519_instruction(operator.pubkey(), message, operator.sign_message(message))
    other_message = env.call("verify_ed25519", b"receipt: job 18", verify_accounts(operator.pubkey()), pre=[precompile])
    assert other_message.error == "MissingRequiredSignature"
    other_key = env.call("verify_ed25519", message, verify_accounts(stranger.pubkey()), pre=[precompile])
    assert other_key.error == "MissingRequiredSignature"
    alone = env.call("verify_ed25519", message, verify_accounts(operator.pubkey()))
    assert alone.error == 6005  # MissingSignatureInstruction
    # Not the instructions sysvar.
    fake = [AccountMeta(env.keypair().pubkey(), False, False), AccountMeta(operator.pubkey(), False, False)]
    assert env.call("verify_ed25519", message, fake, pre=[precompile]).error == "UnsupportedSysvar"
    # The previous instruction is not the precompile.
    memo_like = Instruction(env.program_id, ix_data("find_pda", b"x"), [])
    assert env.call("verify_ed25519", message, verify_accounts(operator.pubkey()), pre=[memo_like]).error == "IncorrectProgramId"


def test_verify_ed25519_refuses_offsets_into_another_instruction(env: Env) -> None:
    """The precompile really verifies the signature here, but over bytes of
    instruction 1 (ours); a program reading instruction 0 at those offsets
    would see other bytes, so the SDK refuses the entry."""
    operator = env.keypair()
    message = b"signed elsewhere"
    signature = operator.sign_message(message)
    # Our instruction's data: discriminator (8) | pubkey (32) | signature (64) | message.
    ours = bytes(operator.pubkey()) + bytes(signature) + message
    offsets = struct.pack("<BBHHHHHHH", 1, 0, 8 + 32, 1, 8, 1, 8 + 96, len(message), 1)
    precompile = Instruction(ED25519_PROGRAM_ID, offsets, [])
    out = env.call("verify_ed25519", ours, verify_accounts(operator.pubkey()), pre=[precompile])
    assert out.error == "InvalidArgument", out.logs


def test_a_forged_signature_never_reaches_the_program(env: Env) -> None:
    operator = env.keypair()
    message = b"receipt"
    forged = env.keypair().sign_message(message)
    precompile = ed25519_instruction(operator.pubkey(), message, forged)
    out = env.call("verify_ed25519", message, verify_accounts(operator.pubkey()), pre=[precompile])
    assert not out.ok and out.compute_units == 0  # the precompile failed first


# --- errors, duplicates, borrows, close --------------------------------------


def test_fail_custom_returns_an_anchor_style_code(env: Env) -> None:
    out = env.call("fail_custom", b"", [])
    assert out.error == 6001  # RequestedFailure: 6000 + its position
    env.cu["fail_custom"] = out.compute_units


@pytest.mark.parametrize("same", [False, True])
def test_duplicates_share_one_borrow_state(env: Env, same: bool) -> None:
    a = env.fund(1_000_000)
    b = a if same else env.fund(1_000_000)
    accounts = [AccountMeta(a.pubkey(), False, True), AccountMeta(b.pubkey(), False, True)]
    out = env.call("duplicates", bytes([1]), accounts)
    assert out.return_data == (bytes([1, 0]) if same else bytes([0, 1]))
    if same:
        env.record("duplicates (same account twice)", out)
    refused = env.call("duplicates", bytes([0]), accounts)
    assert refused.ok is not same
    if same:
        assert refused.error == "InvalidArgument"


@pytest.mark.parametrize(("mode", "error"), [(0, "AccountBorrowFailed"), (1, "AccountBorrowFailed"), (2, None)])
def test_borrow_conflicts_are_caught_before_they_matter(env: Env, mode: int, error: str | None) -> None:
    payer = env.fund(1_000_000_000)
    recipient = env.keypair().pubkey()
    accounts = [AccountMeta(payer.pubkey(), True, True), AccountMeta(recipient, False, True),
                AccountMeta(SYSTEM_PROGRAM_ID, False, False)]
    out = env.call("borrow_conflict", bytes([mode]), accounts, [payer])
    assert out.error == error
    assert env.balance(recipient) == (1 if error is None else 0)
    if error is None:
        env.record("borrow_conflict (released borrow, CPI)", out)


def test_close_note_refunds_the_owner_and_only_the_owner(env: Env) -> None:
    owner = env.fund()
    note, _ = note_address(env, owner.pubkey())
    assert env.call("create_note", u64(3), create_note_accounts(env, owner.pubkey()), [owner]).ok
    rent = env.balance(note)

    thief = env.fund()
    stolen = env.call("close_note", b"", [AccountMeta(thief.pubkey(), True, True), AccountMeta(note, False, True)], [thief])
    assert stolen.error == 6002  # NotNoteOwner
    unsigned = env.call("close_note", b"", [AccountMeta(owner.pubkey(), False, True), AccountMeta(note, False, True)])
    assert unsigned.error == "MissingRequiredSignature"
    assert env.balance(note) == rent

    before = env.balance(owner.pubkey())
    out = env.call("close_note", b"", [AccountMeta(owner.pubkey(), True, True), AccountMeta(note, False, True)], [owner])
    env.record("close_note", out)
    assert env.balance(note) == 0
    assert env.balance(owner.pubkey()) == before + rent  # the fee payer is someone else


def test_a_closed_note_cannot_be_used_again_in_the_same_transaction(env: Env) -> None:
    owner = env.payer.pubkey()
    note, _ = note_address(env, owner)
    assert env.call("create_note", u64(5), create_note_accounts(env, owner)).ok
    close = Instruction(env.program_id, ix_data("close_note"),
                        [AccountMeta(owner, True, True), AccountMeta(note, False, True)])
    # Close, then try to close again: the account now belongs to the System
    # program, so loading it as a Note fails.
    out = env.send([close, close])
    assert out.error == "InvalidAccountOwner"
    assert bytes(env.svm.get_account(note).data)[40:48] == u64(5)  # nothing changed


# --- budgets -------------------------------------------------------------------


def test_sdk_overhead_stays_small(env: Env) -> None:
    """Ceilings on what the SDK adds around syscalls (exact figures are in
    programs/sdk/CU.md): parsing the input, dispatching, borrow tracking,
    introspection. A regression here costs every product instruction."""
    assert env.call("fail_custom", b"", []).compute_units <= 100
    a = env.fund(1_000_000)
    same = [AccountMeta(a.pubkey(), False, True), AccountMeta(a.pubkey(), False, True)]
    assert env.call("duplicates", bytes([1]), same).compute_units <= 300  # incl. 100 for return data
    assert env.call("read_sysvars", u64(0), []).compute_units <= 600  # incl. 2 sysvar syscalls + return data
    operator = env.keypair()
    precompile = ed25519_instruction(operator.pubkey(), b"m", operator.sign_message(b"m"))
    assert env.call("verify_ed25519", b"m", verify_accounts(operator.pubkey()), pre=[precompile]).compute_units <= 700
