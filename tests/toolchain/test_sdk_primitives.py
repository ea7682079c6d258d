"""The single-primitive instructions of programs/example, run in LiteSVM.

``log_line``, ``derive_pda``, ``find_bump``, ``allocate_pda`` and
``transfer_tokens`` each run one SDK primitive so that ``gridpay bench
toolchain`` can price it (bench/toolchain.py). Here each one's effect is
checked exactly, its compute units recorded (``sdk example: <row>`` in
target/sbf/compute-units.json), and what it validates is shown to refuse bad
accounts with the specific error while nothing moves.
"""

from __future__ import annotations

import struct

from solders.account import Account
from solders.instruction import AccountMeta
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from bench.toolchain import SCRATCH_LEN, SCRATCH_SEED, _program_id
from pyclients.solana.common.token import (
    TOKEN_PROGRAM_ID,
    associated_token_address,
    create_ata_idempotent,
)
from tests.toolchain.test_sdk_example import (  # noqa: F401 (fixtures)
    DECIMALS,
    Env,
    TokenSetup,
    cu_table,
    env,
    example_so,
    token_amount,
    token_setup,
)

#: What find_program_address charges per bump it tries (the syscall's price).
CU_PER_BUMP = 1_500


def scratch(e: Env) -> tuple[Pubkey, int]:
    """The canonical scratch PDA and its bump."""
    return Pubkey.find_program_address([SCRATCH_SEED], e.program_id)


def pda_meta(address: Pubkey, writable: bool = False) -> AccountMeta:
    return AccountMeta(address, False, writable)


def snapshot(e: Env, *keys: Pubkey) -> list[tuple[int, bytes, Pubkey] | None]:
    """Lamports, data and owner of each account (None if absent)."""
    accounts = [e.svm.get_account(k) for k in keys]
    return [None if a is None else (a.lamports, bytes(a.data), a.owner) for a in accounts]


# --- log_line ------------------------------------------------------------------


def test_log_line_writes_exactly_one_line(env: Env) -> None:  # noqa: F811
    out = env.call("log_line", b"", [])
    env.record("log_line", out)
    program_logs = [line for line in out.logs if line.startswith("Program log: ")]
    assert program_logs == ["Program log: Instruction: Log"]
    # A log line is a 100-CU syscall on top of the bare entrypoint.
    noop = env.call("noop", b"", [])
    assert out.compute_units - noop.compute_units >= 100


# --- derive_pda (create_program_address) -----------------------------------------


def test_derive_pda_accepts_the_pda_of_the_stored_bump(env: Env) -> None:  # noqa: F811
    pda, bump = scratch(env)
    out = env.call("derive_pda", bytes([bump]), [pda_meta(pda)])
    env.record("derive_pda", out)
    assert out.logs[-1] == f"Program {env.program_id} success"


def test_derive_pda_refuses_other_seeds_and_addresses(env: Env) -> None:  # noqa: F811
    pda, bump = scratch(env)
    stranger = env.fund(1_000_000).pubkey()
    before = snapshot(env, pda, stranger)
    # The right address with another bump, another address with the right bump.
    assert env.call("derive_pda", bytes([bump - 1]), [pda_meta(pda)]).error == "InvalidSeeds"
    assert env.call("derive_pda", bytes([bump]), [pda_meta(stranger)]).error == "InvalidSeeds"
    # A PDA of other seeds under the same program.
    note, note_bump = Pubkey.find_program_address([b"note", bytes(stranger)], env.program_id)
    assert env.call("derive_pda", bytes([note_bump]), [pda_meta(note)]).error == "InvalidSeeds"
    # The bump is one byte, exactly.
    assert env.call("derive_pda", b"", [pda_meta(pda)]).error == "InvalidInstructionData"
    trailing = env.call("derive_pda", bytes([bump, 0]), [pda_meta(pda)])
    assert trailing.error == "InvalidInstructionData"
    assert env.call("derive_pda", bytes([bump]), []).error == "NotEnoughAccountKeys"
    assert snapshot(env, pda, stranger) == before


# --- find_bump (find_program_address) --------------------------------------------


def env_with_bump(example_so, wanted) -> Env:  # noqa: F811
    """The example under a program id whose scratch PDA's bump ``wanted``
    accepts (bench/toolchain.py's fixed series of ids)."""
    svm = LiteSVM()
    program_id = _program_id(wanted)
    svm.add_program(program_id, example_so.read_bytes())
    payer = Keypair.from_seed(bytes(32))
    svm.airdrop(payer.pubkey(), 10_000_000_000)
    return Env(svm, program_id, payer)


def test_find_bump_pays_per_bump_tried(example_so, cu_table) -> None:  # noqa: F811
    """find_program_address tries bumps from 255 down: each miss costs one
    more syscall-priced attempt, and nothing else differs."""
    first = env_with_bump(example_so, lambda b: b == 255)
    far = env_with_bump(example_so, lambda b: b <= 253)
    (pda, _), (far_pda, far_bump) = scratch(first), scratch(far)
    one = first.call("find_bump", b"", [pda_meta(pda)])
    many = far.call("find_bump", b"", [pda_meta(far_pda)])
    assert one.ok and many.ok, (one.logs, many.logs)
    cu_table["find_bump (1 bump tried)"] = one.compute_units
    cu_table[f"find_bump ({256 - far_bump} bumps tried)"] = many.compute_units
    assert many.compute_units - one.compute_units == CU_PER_BUMP * (255 - far_bump)


def test_find_bump_refuses_anything_but_the_canonical_pda(env: Env) -> None:  # noqa: F811
    pda, bump = scratch(env)
    # Another bump's address, when that one is off the curve too, is a valid
    # PDA but not the canonical one.
    other = next(
        address for b in range(bump - 1, -1, -1)
        if (address := _create(env, b)) is not None
    )
    assert env.call("find_bump", b"", [pda_meta(other)]).error == "InvalidSeeds"
    assert env.call("find_bump", b"", [pda_meta(env.payer.pubkey())]).error == "InvalidSeeds"
    # It takes no arguments and says so.
    assert env.call("find_bump", bytes([bump]), [pda_meta(pda)]).error == "InvalidInstructionData"
    assert env.call("find_bump", b"", []).error == "NotEnoughAccountKeys"
    assert env.call("find_bump", b"", [pda_meta(pda)]).ok


def _create(e: Env, bump: int) -> Pubkey | None:
    try:
        return Pubkey.create_program_address([SCRATCH_SEED, bytes([bump])], e.program_id)
    except Exception:  # on the curve: no PDA for this bump
        return None


# --- allocate_pda (create_program_address + signed System Allocate CPI) -----------


def funded_scratch(e: Env) -> tuple[Pubkey, int, int]:
    """The scratch PDA, System-owned and funded for the rent of SCRATCH_LEN bytes."""
    pda, bump = scratch(e)
    rent = e.svm.minimum_balance_for_rent_exemption(SCRATCH_LEN)
    e.svm.set_account(pda, Account(rent, b"", SYSTEM_PROGRAM_ID))
    return pda, bump, rent


def allocate_accounts(pda: Pubkey, writable: bool = True,
                      system_program: Pubkey = SYSTEM_PROGRAM_ID) -> list[AccountMeta]:
    return [pda_meta(pda, writable), AccountMeta(system_program, False, False)]


def test_allocate_pda_gives_the_pda_its_bytes(env: Env) -> None:  # noqa: F811
    pda, bump, rent = funded_scratch(env)
    out = env.call("allocate_pda", bytes([bump]), allocate_accounts(pda))
    env.record("allocate_pda", out)
    assert snapshot(env, pda) == [(rent, bytes(SCRATCH_LEN), SYSTEM_PROGRAM_ID)]


def test_allocate_pda_refuses_bad_accounts_and_moves_nothing(env: Env) -> None:  # noqa: F811
    pda, bump, _ = funded_scratch(env)
    before = snapshot(env, pda)
    cases = [
        (bytes([bump]), allocate_accounts(pda, writable=False), "Immutable"),
        (bytes([bump - 1]), allocate_accounts(pda), "InvalidSeeds"),
        (bytes([bump]), allocate_accounts(pda, system_program=TOKEN_PROGRAM_ID),
         "IncorrectProgramId"),
        (bytes([bump]), allocate_accounts(pda)[:1], "NotEnoughAccountKeys"),
    ]
    for args, accounts, error in cases:
        assert env.call("allocate_pda", args, accounts).error == error
        assert snapshot(env, pda) == before

    # Another writable System account: the program cannot sign for it.
    victim = env.fund(1_000_000).pubkey()
    victim_before = snapshot(env, victim)
    out = env.call("allocate_pda", bytes([bump]), allocate_accounts(victim))
    assert out.error == "InvalidSeeds"
    assert snapshot(env, victim) == victim_before


def test_allocate_pda_twice_is_refused_by_the_system_program(env: Env) -> None:  # noqa: F811
    pda, bump, rent = funded_scratch(env)
    assert env.call("allocate_pda", bytes([bump]), allocate_accounts(pda)).ok
    again = env.call("allocate_pda", bytes([bump]), allocate_accounts(pda))
    assert again.error == 0  # SystemError::AccountAlreadyInUse
    assert snapshot(env, pda) == [(rent, bytes(SCRATCH_LEN), SYSTEM_PROGRAM_ID)]


# --- transfer_tokens (TransferChecked CPI) ------------------------------------------

AMOUNT = 250_000
MINTED = 1_000_000_000
# spl-token's TokenError codes
MINT_MISMATCH, OWNER_MISMATCH, DECIMALS_MISMATCH = 3, 4, 18


def token_pair(e: Env) -> tuple[TokenSetup, Pubkey]:
    """A funded token account (``t.user_token``) and an empty one of the same mint."""
    t = token_setup(e, MINTED)
    recipient = e.keypair().pubkey()
    created = e.send([create_ata_idempotent(e.payer.pubkey(), recipient, t.mint)])
    assert created.ok, created.logs
    return t, associated_token_address(recipient, t.mint)


def transfer_accounts(t: TokenSetup, destination: Pubkey, *, source: Pubkey | None = None,
                      mint: Pubkey | None = None, authority: Pubkey | None = None,
                      signer: bool = True, destination_writable: bool = True,
                      token_program: Pubkey = TOKEN_PROGRAM_ID) -> list[AccountMeta]:
    return [
        AccountMeta(source or t.user_token, False, True),
        AccountMeta(mint or t.mint, False, False),
        AccountMeta(destination, False, destination_writable),
        AccountMeta(authority or t.user.pubkey(), signer, False),
        AccountMeta(token_program, False, False),
    ]


def transfer_args(amount: int = AMOUNT, decimals: int = DECIMALS) -> bytes:
    return struct.pack("<QB", amount, decimals)


def test_transfer_tokens_moves_exactly_the_amount(env: Env) -> None:  # noqa: F811
    t, destination = token_pair(env)
    out = env.call("transfer_tokens", transfer_args(), transfer_accounts(t, destination), [t.user])
    env.record("transfer_tokens", out)
    assert token_amount(env, t.user_token) == MINTED - AMOUNT
    assert token_amount(env, destination) == AMOUNT


def test_transfer_tokens_refuses_and_moves_nothing(env: Env) -> None:  # noqa: F811
    t, destination = token_pair(env)
    other, other_destination = token_pair(env)  # another mint, another owner
    thief = env.fund()
    balances = lambda: [token_amount(env, a) for a in  # noqa: E731
                        (t.user_token, destination, other.user_token, other_destination)]
    before = balances()
    cases = [
        # the owner did not sign (checked by the program)
        (transfer_accounts(t, destination, signer=False), [], "MissingRequiredSignature"),
        # a signer who does not own the source
        (transfer_accounts(t, destination, authority=thief.pubkey()), [thief], OWNER_MISMATCH),
        # the mint of another token account
        (transfer_accounts(t, destination, mint=other.mint), [t.user], MINT_MISMATCH),
        # a destination of another mint
        (transfer_accounts(t, other_destination), [t.user], MINT_MISMATCH),
        # not the token program (checked by the program)
        (transfer_accounts(t, destination, token_program=SYSTEM_PROGRAM_ID), [t.user],
         "IncorrectProgramId"),
        # a read-only destination: the CPI cannot make it writable
        (transfer_accounts(t, destination, destination_writable=False), [t.user],
         "PrivilegeEscalation"),
    ]
    for accounts, signers, error in cases:
        out = env.call("transfer_tokens", transfer_args(), accounts, signers)
        assert out.error == error, out.logs
        assert balances() == before
    wrong_decimals = env.call("transfer_tokens", transfer_args(decimals=DECIMALS + 1),
                              transfer_accounts(t, destination), [t.user])
    assert wrong_decimals.error == DECIMALS_MISMATCH
    too_much = env.call("transfer_tokens", transfer_args(amount=MINTED + 1),
                        transfer_accounts(t, destination), [t.user])
    assert too_much.error == 1  # TokenError::InsufficientFunds
    truncated = env.call("transfer_tokens", transfer_args()[:8], transfer_accounts(t, destination),
                         [t.user])
    assert truncated.error == "InvalidInstructionData"
    assert balances() == before

