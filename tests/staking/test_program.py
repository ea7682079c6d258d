"""The staking program in LiteSVM: happy paths with their compute units,
and attacks, each failing with its own named error and moving nothing."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Awaitable

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateWithSeedParams,
    CreateAccountParams,
    CreateAccountWithSeedParams,
    allocate_with_seed,
    create_account,
    create_account_with_seed,
)

from pyclients.solana import receipts as R
from pyclients.solana import staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.pda import find_pda
from pyclients.solana.common.program import CONFIG_SEED
from pyclients.solana.common.token import TOKEN_PROGRAM_ID, associated_token_address
from tests.staking.conftest import COOLDOWN, MIN_STAKE, SGL, World, make_world

E = staking.errors
#: Budget of the issue: CU an instruction may spend beyond its token CPIs.
BUDGET = 1_500


def overhead(logs: list[str]) -> int:
    """The program's own CU: everything but its SPL Token CPIs."""
    return staking.Units.of(logs).beyond_token


def program_cu(logs: list[str]) -> int:
    return staking.Units.of(logs).total


def snapshot(w: World) -> tuple:
    """Every balance and position that an attack must leave untouched."""
    accounts = [w.vault, w.penalty_vault] + [associated_token_address(o.pubkey(), w.mint) for o in w.operators]
    positions = [bytes(a.data) if (a := w.svm.get_account(w.program.stake_address(o.pubkey()))) else None
                 for o in w.operators]
    return tuple(w.balance(a) for a in accounts), tuple(positions)


async def refused(w: World, call: Awaitable, error: type[Exception]) -> Exception:
    before = snapshot(w)
    with pytest.raises(error) as info:
        await call
    assert snapshot(w) == before, "a refused instruction moved funds or changed a position"
    return info.value


async def staked_operator(w: World, amount: int = MIN_STAKE) -> Keypair:
    op = await w.new_operator()
    await w.client.stake(op, amount)
    return op


# --- happy paths ------------------------------------------------------------


async def test_initialize_sets_config(world: World) -> None:
    cfg = await world.client.config()
    assert (cfg.admin, cfg.sgl_mint, cfg.vault, cfg.penalty_vault) == (
        world.admin.pubkey(), world.mint, world.vault, world.penalty_vault)
    assert cfg.params == world.params and not cfg.paused
    assert cfg.min_stake[staking.ROLE_COMPUTE] == 50_000 * SGL


async def test_stake_request_cancel_withdraw(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    w, cu = world, {}
    op = await w.new_operator(200_000 * SGL)
    src = associated_token_address(op.pubkey(), w.mint)
    r = await w.client.stake(op, MIN_STAKE)
    cu["stake (opens position)"] = program_cu(r.logs)
    r = await w.client.stake(op, 1_000 * SGL)
    cu["stake"] = program_cu(r.logs)
    assert overhead(r.logs) <= BUDGET
    assert w.program.events(r.logs) == [("Staked", {"operator": op.pubkey(), "role": 0, "amount": 1_000 * SGL,
                                                    "staked": MIN_STAKE + 1_000 * SGL})]
    assert w.balance(w.vault) == MIN_STAKE + 1_000 * SGL
    assert w.balance(src) == 200_000 * SGL - MIN_STAKE - 1_000 * SGL

    r = await w.client.request_unstake(op, 1_000 * SGL)
    cu["request_unstake"] = program_cu(r.logs)
    assert overhead(r.logs) <= BUDGET
    pos = await w.client.position(op.pubkey())
    assert (pos.staked, pos.unstaking) == (MIN_STAKE, 1_000 * SGL)
    assert pos.unstake_available_at == pos.unstake_requested_at + COOLDOWN == w.now() + COOLDOWN

    r = await w.client.cancel_unstake(op)
    cu["cancel_unstake"] = program_cu(r.logs)
    assert overhead(r.logs) <= BUDGET
    pos = await w.client.position(op.pubkey())
    assert (pos.staked, pos.unstaking, pos.unstake_available_at) == (MIN_STAKE + 1_000 * SGL, 0, 0)

    await w.client.request_unstake(op, 1_000 * SGL)
    w.warp(COOLDOWN)
    r = await w.client.withdraw_unstaked(op, destination=src)
    cu["withdraw_unstaked"] = program_cu(r.logs)
    assert overhead(r.logs) <= BUDGET
    assert w.balance(src) == 200_000 * SGL - MIN_STAKE
    assert w.balance(w.vault) == MIN_STAKE
    with capsys.disabled():
        print("\nstaking CU (program total):", cu)


async def test_cooldown_is_snapshotted_at_request(world: World) -> None:
    w = world
    op = await staked_operator(w)
    await w.client.request_unstake(op, 10)
    longer = staking.Params(w.params.min_stake, (COOLDOWN * 10,) + w.params.cooldown_seconds[1:],
                            w.params.slash_cap_bps)
    await w.client.update_config(w.admin, longer)
    w.warp(COOLDOWN)
    await w.client.withdraw_unstaked(op)  # the old cooldown applies
    await w.client.request_unstake(op, 10)
    w.warp(COOLDOWN)
    await refused(w, w.client.withdraw_unstaked(op), E.CooldownNotElapsed)


async def test_slash_takes_the_cap_into_the_penalty_vault(world: World,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    w = world
    op = await staked_operator(w, 60_000 * SGL)
    honest, tampered = w.receipt(op), w.receipt(op, output=b"a different answer", completion_tokens=70)
    slasher = Keypair()
    w.svm.airdrop(slasher.pubkey(), 10**9)
    r = await w.client.slash(slasher, honest, tampered)
    cap = 60_000 * SGL * w.params.slash_cap_bps // 10_000
    assert w.balance(w.penalty_vault) == cap
    assert w.balance(w.vault) == 60_000 * SGL - cap
    pos = await w.client.position(op.pubkey())
    assert (pos.staked, pos.total_slashed) == (60_000 * SGL - cap, cap)
    record = await w.client.proof_record(op.pubkey(), honest.receipt.job_id)
    assert (record.slasher, record.amount, record.role) == (slasher.pubkey(), cap, 0)
    lo, hi = sorted([honest.message, tampered.message])
    assert bytes(record.proof_hash) == R.sha256(lo + hi)
    (name, ev), = w.program.events(r.logs)
    assert name == "Slashed" and ev["amount"] == cap and ev["from_unstaking"] == 0
    with capsys.disabled():
        print(f"\nslash CU: {program_cu(r.logs)} (program total, incl. Ed25519 introspection)")
    # 54,000 SGL left: still above the minimum, so still eligible.
    assert (await w.client.may_serve(op.pubkey())).eligible


async def test_slash_reaches_cooldown_only_for_receipts_signed_before_the_request(world: World) -> None:
    w = world
    op = await staked_operator(w, 100_000 * SGL)
    before = w.receipt(op, job=b"early")
    w.warp(60)
    await w.client.request_unstake(op, 100_000 * SGL)  # everything into cooldown
    w.warp(60)
    after = w.receipt(op, job=b"late")
    # Signed after the request: the cooldown amount is out of reach, nothing active to take.
    await refused(w, w.client.slash(w.admin, after, w.receipt(op, job=b"late", price=1)), E.NothingToSlash)
    # Signed before: the cooldown amount is slashable.
    await w.client.slash(w.admin, before, w.receipt(op, job=b"early", price=1, signed_at=w.now()))
    pos = await w.client.position(op.pubkey())
    assert pos.unstaking == 90_000 * SGL and w.balance(w.penalty_vault) == 10_000 * SGL


async def test_pause_stops_stakes_and_slashes_never_exits(world: World) -> None:
    w = world
    op = await staked_operator(w)
    await w.client.request_unstake(op, 5)
    await w.client.set_paused(w.admin, True)
    await refused(w, w.client.stake(op, 1), E.ProgramPaused)
    await refused(w, w.client.slash(w.admin, w.receipt(op), w.receipt(op, price=1)), E.ProgramPaused)
    await w.client.cancel_unstake(op)
    await w.client.request_unstake(op, 7)
    w.warp(COOLDOWN)
    await w.client.withdraw_unstaked(op)
    assert (await w.client.position(op.pubkey())).staked == MIN_STAKE - 7
    await w.client.set_paused(w.admin, False)
    await w.client.stake(op, 7)


async def test_eligibility(world: World) -> None:
    w = world
    nobody = Keypair().pubkey()
    assert (await w.client.may_serve(nobody)).reason == "no_stake"
    small = await staked_operator(w, MIN_STAKE - 1)
    assert (await w.client.may_serve(small.pubkey())).reason == "below_minimum"
    full = await staked_operator(w, MIN_STAKE)
    e = await w.client.may_serve(full.pubkey())
    assert e.eligible and e.minimum == MIN_STAKE
    await w.client.request_unstake(full, MIN_STAKE)
    e = await w.client.may_serve(full.pubkey())
    assert not e.eligible and e.reason == "in_cooldown"
    await w.client.cancel_unstake(full)
    assert (await w.client.may_serve(full.pubkey())).eligible


# --- attacks on slashing ----------------------------------------------------


async def _slash_raw(w: World, ixs: list[Instruction]) -> object:
    return await w.send(ixs, [w.admin])


def _slash_ix(w: World, op: Keypair, job_id: bytes, a_ix: int, b_ix: int) -> Instruction:
    return w.program.slash(slasher=w.admin.pubkey(), operator=op.pubkey(), job_id=job_id, sgl_mint=w.mint,
                           penalty_vault=w.penalty_vault, receipt_a_ix=a_ix, receipt_b_ix=b_ix)


async def test_slash_with_one_receipt(world: World) -> None:
    w = world
    op = await staked_operator(w)
    a = w.receipt(op)
    job = a.receipt.job_id
    await refused(w, _slash_raw(w, [R.receipt_instruction(a), _slash_ix(w, op, job, 0, 0)]),
                  E.SameReceiptInstruction)
    # The second index points at the slash instruction itself.
    await refused(w, _slash_raw(w, [R.receipt_instruction(a), _slash_ix(w, op, job, 0, 1)]),
                  E.NotEd25519Instruction)


async def test_slash_with_missing_ed25519_instruction(world: World) -> None:
    w = world
    op = await staked_operator(w)
    a = w.receipt(op)
    await refused(w, _slash_raw(w, [R.receipt_instruction(a), _slash_ix(w, op, a.receipt.job_id, 0, 5)]),
                  E.Ed25519InstructionMissing)
    await refused(w, _slash_raw(w, [_slash_ix(w, op, a.receipt.job_id, 1, 2)]), E.Ed25519InstructionMissing)


async def test_slash_with_identical_and_agreeing_receipts(world: World) -> None:
    w = world
    op = await staked_operator(w)
    a = w.receipt(op)
    await refused(w, w.send(w.program.slash_instructions(slasher=w.admin.pubkey(), a=a, b=a, sgl_mint=w.mint,
                                                         penalty_vault=w.penalty_vault), [w.admin]),
                  E.ReceiptsIdentical)
    resigned = w.receipt(op, signed_at=a.receipt.signed_at + 5)
    await refused(w, w.send(w.program.slash_instructions(slasher=w.admin.pubkey(), a=a, b=resigned,
                                                         sgl_mint=w.mint, penalty_vault=w.penalty_vault),
                            [w.admin]), E.ReceiptsNotConflicting)


async def test_slash_with_receipts_for_different_jobs(world: World) -> None:
    w = world
    op = await staked_operator(w)
    a, b = w.receipt(op, job=b"one"), w.receipt(op, job=b"two", price=1)
    await refused(w, w.send(w.program.slash_instructions(slasher=w.admin.pubkey(), a=a, b=b, sgl_mint=w.mint,
                                                         penalty_vault=w.penalty_vault), [w.admin]),
                  E.ReceiptJobMismatch)


async def test_slash_with_receipts_signed_by_another_key(world: World) -> None:
    w = world
    op = await staked_operator(w)
    other = await staked_operator(w)
    a = w.receipt(op)
    # A receipt naming the operator, signed by someone else.
    forged_content = w.receipt(op, price=1).receipt
    forged = R.SignedReceipt(forged_content, other.sign_message(forged_content.encode()))
    ixs = [R.receipt_instruction(a),
           R.ed25519_instruction(other.pubkey(), forged.message, forged.signature),
           _slash_ix(w, op, a.receipt.job_id, 0, 1)]
    await refused(w, _slash_raw(w, ixs), E.ReceiptSignerMismatch)
    # Two receipts of another operator, against this operator's stake.
    b1, b2 = w.receipt(other), w.receipt(other, price=1)
    ixs = [R.receipt_instruction(b1), R.receipt_instruction(b2), _slash_ix(w, op, b1.receipt.job_id, 0, 1)]
    await refused(w, _slash_raw(w, ixs), E.ReceiptOperatorMismatch)
    # One of each.
    ixs = [R.receipt_instruction(a), R.receipt_instruction(b2), _slash_ix(w, op, a.receipt.job_id, 0, 1)]
    await refused(w, _slash_raw(w, ixs), E.ReceiptOperatorMismatch)


async def test_slash_with_forged_ed25519_instructions(world: World) -> None:
    w = world
    op = await staked_operator(w)
    a, b = w.receipt(op), w.receipt(op, price=1)
    job = a.receipt.job_id
    # A bad signature: the runtime's precompile refuses the whole transaction.
    bad = R.ed25519_instruction(op.pubkey(), b.message, a.signature)
    failure = await refused(w, _slash_raw(w, [R.receipt_instruction(a), bad, _slash_ix(w, op, job, 0, 1)]),
                            TransactionFailed)
    assert failure.instruction_index == 1 and failure.custom_code == 2  # Ed25519 InvalidSignature
    # Ed25519-shaped data under another program id: not the precompile.
    fake = R.receipt_instruction(b)
    fake = Instruction(staking.PROGRAM_ID, bytes(fake.data), [])
    memo_like = [R.receipt_instruction(a), fake, _slash_ix(w, op, job, 0, 1)]
    with pytest.raises(TransactionFailed):  # staking refuses the fake itself first
        await w.send(memo_like, [w.admin])
    # A real precompile instruction whose message lives in another
    # instruction: the program only accepts self-contained entries.
    # It carries b's bytes but verifies a's signature over a's message in
    # instruction 0: a program reading its own data would see b as signed.
    inner = R.ed25519_instruction(op.pubkey(), b.message, a.signature)
    data = bytearray(inner.data)
    struct.pack_into("<H", data, 2 + 12, 0)  # message_instruction_index -> instruction 0
    struct.pack_into("<H", data, 2 + 8, 16 + 32 + 64)  # message offset inside instruction 0's data
    pointing = Instruction(R.ED25519_PROGRAM_ID, bytes(data), [])
    await refused(w, _slash_raw(w, [R.receipt_instruction(a), pointing, _slash_ix(w, op, job, 0, 1)]),
                  E.MalformedEd25519Instruction)
    # Two signatures in one instruction.
    two = bytearray(R.receipt_instruction(a).data)
    two[0] = 2
    await refused(w, _slash_raw(w, [Instruction(R.ED25519_PROGRAM_ID, bytes(two), []),
                                    R.receipt_instruction(b), _slash_ix(w, op, job, 0, 1)]),
                  TransactionFailed)
    # A signed message that is not a receipt.
    junk = b"gridpay-receipt-v1" + bytes(10)
    ix = R.ed25519_instruction(op.pubkey(), junk, op.sign_message(junk))
    await refused(w, _slash_raw(w, [R.receipt_instruction(a), ix, _slash_ix(w, op, job, 0, 1)]),
                  E.InvalidReceipt)


async def test_fake_precompile_data_under_another_program(world: World) -> None:
    """Ed25519-shaped data in an instruction the precompile never checked."""
    w = world
    op = await staked_operator(w)
    a, b = w.receipt(op), w.receipt(op, price=1)
    forged = Keypair()  # no valid signature needed if the program were fooled
    fake_sig = R.SignedReceipt(b.receipt, forged.sign_message(b.message))
    fake = Instruction(TOKEN_PROGRAM_ID, bytes(R.receipt_instruction(fake_sig).data), [])
    ixs = [R.receipt_instruction(a), fake, _slash_ix(w, op, a.receipt.job_id, 0, 1)]
    # The token program rejects the junk instruction before staking runs; either
    # way nothing moves. Staking's own check is exercised with the instruction
    # placed after it, where the token program never gets to run first.
    await refused(w, _slash_raw(w, ixs), TransactionFailed)
    ixs = [R.receipt_instruction(a), _slash_ix(w, op, a.receipt.job_id, 0, 2), fake]
    await refused(w, _slash_raw(w, ixs), E.NotEd25519Instruction)


async def test_same_proof_never_slashes_twice(world: World) -> None:
    w = world
    op = await staked_operator(w, 100_000 * SGL)
    a, b, c = w.receipt(op), w.receipt(op, price=1), w.receipt(op, price=2)
    await w.client.slash(w.admin, a, b)
    await refused(w, w.client.slash(w.admin, a, b), E.ProofAlreadyUsed)
    await refused(w, w.client.slash(w.admin, b, a), E.ProofAlreadyUsed)
    # Another pair for the same job is the same offence.
    await refused(w, w.client.slash(w.admin, a, c), E.ProofAlreadyUsed)
    # A different job is a new proof.
    await w.client.slash(w.admin, w.receipt(op, job=b"2"), w.receipt(op, job=b"2", price=1))


async def test_slash_cap_is_respected(staking_so) -> None:
    params = staking.Params((MIN_STAKE, 0, 0, 0), (COOLDOWN, 0, 0, 0), 2_500)
    w = await make_world(staking_so, params)
    op = await staked_operator(w, 10_001)
    await w.client.slash(w.admin, w.receipt(op), w.receipt(op, price=1))
    assert w.balance(w.penalty_vault) == 10_001 * 2_500 // 10_000  # floor: never above the cap
    too_high = staking.Params(params.min_stake, params.cooldown_seconds, 10_001)
    await refused(w, w.client.update_config(w.admin, too_high), E.InvalidSlashCap)
    with pytest.raises(E.InvalidSlashCap):
        await make_world(staking_so, too_high)


async def test_no_stake_nothing_to_slash(world: World) -> None:
    w = world
    op = await w.new_operator()
    await w.client.stake(op, 5)  # 10 % of 5 rounds to zero
    await refused(w, w.client.slash(w.admin, w.receipt(op), w.receipt(op, price=1)), E.NothingToSlash)
    assert await w.client.proof_record(op.pubkey(), w.receipt(op).receipt.job_id) is None


# --- attacks on accounts ----------------------------------------------------


async def test_withdraw_before_cooldown(world: World) -> None:
    w = world
    op = await staked_operator(w)
    await w.client.request_unstake(op, 100)
    w.warp(COOLDOWN - 1)
    await refused(w, w.client.withdraw_unstaked(op), E.CooldownNotElapsed)
    w.warp(1)
    await w.client.withdraw_unstaked(op)
    await refused(w, w.client.withdraw_unstaked(op), E.NoPendingUnstake)


async def test_someone_elses_unstake(world: World) -> None:
    w = world
    op = await staked_operator(w)
    thief = await w.new_operator()
    stake = w.program.stake_address(op.pubkey())

    def as_thief(ix: Instruction) -> Instruction:
        metas = list(ix.accounts)
        for i, m in enumerate(metas):
            if m.pubkey == w.program.stake_address(thief.pubkey()):
                metas[i] = AccountMeta(stake, False, True)
        return Instruction(ix.program_id, bytes(ix.data), metas)

    await refused(w, w.send([as_thief(w.program.request_unstake(operator=thief.pubkey(), amount=1))], [thief]),
                  E.NotStakeOperator)
    await w.client.request_unstake(op, 1)
    w.warp(COOLDOWN)
    await refused(w, w.send([as_thief(w.program.cancel_unstake(operator=thief.pubkey()))], [thief]),
                  E.NotStakeOperator)
    await refused(w, w.send([as_thief(w.program.withdraw_unstaked(operator=thief.pubkey(), sgl_mint=w.mint))],
                            [thief]), E.NotStakeOperator)
    # Nor can the thief stake into someone else's position.
    await refused(w, w.send([as_thief(w.program.stake(operator=thief.pubkey(), sgl_mint=w.mint, amount=1))],
                            [thief]), E.NotStakeOperator)


async def test_missing_signature(world: World) -> None:
    w = world
    op = await staked_operator(w)
    ix = w.program.request_unstake(operator=op.pubkey(), amount=1)
    metas = list(ix.accounts)
    metas[0] = AccountMeta(op.pubkey(), False, False)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), metas)], [w.admin]), E.MissingSignature)


async def test_wrong_vault_mint_penalty_vault_and_duplicates(world: World) -> None:
    w = world
    op = await staked_operator(w)
    other_vault = associated_token_address(Keypair().pubkey(), w.mint)
    src = associated_token_address(op.pubkey(), w.mint)
    await refused(w, w.send([w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=1, vault=src)], [op]),
                  E.DuplicateAccount)
    await refused(w, w.send([w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=1,
                                             vault=other_vault)], [op]), E.InvalidVault)
    fake_mint = Keypair().pubkey()
    await refused(w, w.send([w.program.stake(operator=op.pubkey(), sgl_mint=fake_mint, amount=1,
                                             operator_token=src, vault=w.vault)], [op]), E.InvalidMint)
    ixs = w.program.slash_instructions(slasher=w.admin.pubkey(), a=w.receipt(op), b=w.receipt(op, price=1),
                                       sgl_mint=w.mint, penalty_vault=src)
    await refused(w, w.send(ixs, [w.admin]), E.InvalidPenaltyVault)
    await w.client.request_unstake(op, 1)
    w.warp(COOLDOWN)
    await refused(w, w.send([w.program.withdraw_unstaked(operator=op.pubkey(), sgl_mint=w.mint,
                                                         destination=w.vault)], [op]), E.DestinationIsVault)


async def test_stake_address_of_another_role_and_bad_role(world: World) -> None:
    w = world
    op = await w.new_operator()
    rent = w.svm.minimum_balance_for_rent_exemption(staking.StakePosition.size())
    # The operator's role-1 account, created, passed for a role-0 stake.
    role_1 = w.program.stake_address(op.pubkey(), 1)
    ixs = [*w.program.open_position(operator=op.pubkey(), lamports=rent, role=1),
           w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=1, role=0, position=role_1)]
    await refused(w, w.send(ixs, [op]), E.InvalidStakeAddress)
    # Once open in role 1, its stored role stands for its address.
    await w.client.stake(op, 1, role=1)
    ix = w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=1, role=0, position=role_1)
    await refused(w, w.send([ix], [op]), E.InvalidStakeAddress)
    bad_role = w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=1, role=0)
    data = bytearray(bad_role.data)
    data[8] = staking.ROLE_COUNT
    await refused(w, w.send([Instruction(bad_role.program_id, bytes(data), list(bad_role.accounts))], [op]),
                  E.InvalidRole)


def _system_create(payer: Keypair, address: Pubkey, owner: Pubkey, lamports: int, space: int,
                   base: Pubkey | None = None, seed: str | None = None) -> Instruction:
    if seed is None:
        return create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=address, lamports=lamports,
                                                  space=space, owner=owner))
    return create_account_with_seed(CreateAccountWithSeedParams(
        from_pubkey=payer.pubkey(), to_pubkey=address, base=base or payer.pubkey(), seed=seed, lamports=lamports,
        space=space, owner=owner))


async def test_stake_position_address_is_checked(world: World) -> None:
    """A position opens only at ``create_with_seed(operator, "stake:<role>",
    program)``, created for this program with the position's size: every
    other account is refused with its own error, nothing is initialized and
    nothing moves."""
    w = world
    prog, op = w.program, await w.new_operator()
    victim = await w.new_operator()
    space = staking.StakePosition.size()
    rent = w.svm.minimum_balance_for_rent_exemption(space)
    own = prog.stake_address(op.pubkey())

    def stake_into(position: Pubkey) -> Instruction:
        return prog.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=MIN_STAKE, position=position)

    # Not created first: nothing at the address.
    await refused(w, w.send([stake_into(own)], [op]), E.StakeAccountNotCreated)
    # Only lamports at the address (a with-seed address includes its owner, so
    # no other program's account can sit there).
    w.svm.airdrop(own, rent)
    await refused(w, w.send([stake_into(own)], [op]), E.StakeAccountNotCreated)
    # Created for this program but a byte too large.
    ixs = [allocate_with_seed(AllocateWithSeedParams(address=own, base=op.pubkey(), seed="stake:0", space=space + 1,
                                                     owner=prog.program_id)), stake_into(own)]
    await refused(w, w.send(ixs, [op]), E.InvalidAccountData)
    # Created for this program at addresses that are not the operator's position:
    # another seed, a plain keypair account, and another operator's address.
    other_seed = Pubkey.create_with_seed(op.pubkey(), "stake:00", prog.program_id)
    plain = Keypair()
    for ixs, signers, address in [
        ([_system_create(op, other_seed, prog.program_id, rent, space, seed="stake:00"), stake_into(other_seed)],
         [op], other_seed),
        ([_system_create(op, plain.pubkey(), prog.program_id, rent, space), stake_into(plain.pubkey())],
         [op, plain], plain.pubkey()),
    ]:
        await refused(w, w.send(ixs, signers), E.InvalidStakeAddress)
        assert w.svm.get_account(address) is None, "a refused stake left an account behind"
    victims = prog.stake_address(victim.pubkey())
    await refused(w, w.send([stake_into(victims)], [op]), E.InvalidStakeAddress)
    # The real thing opens; staking again adds to it (no second opening).
    await w.client.stake(op, MIN_STAKE)
    await w.client.stake(op, SGL)
    position = await w.client.position(op.pubkey())
    assert (position.operator, position.role, position.staked) == (op.pubkey(), 0, MIN_STAKE + SGL)
    assert w.svm.get_account(own).owner == prog.program_id


async def test_lamports_sent_to_a_position_address_do_not_block_it(world: World) -> None:
    """Anyone can send lamports to an operator's future position address,
    which makes ``CreateAccountWithSeed`` fail; the client then tops the
    account up and allocates it instead, and the position opens."""
    w = world
    space = staking.StakePosition.size()
    rent = w.svm.minimum_balance_for_rent_exemption(space)
    for gift in (1, rent, rent + 7):
        op = await w.new_operator()
        address = w.program.stake_address(op.pubkey())
        w.svm.airdrop(address, gift)
        assert await w.client.position(op.pubkey()) is None
        await w.client.stake(op, MIN_STAKE)
        assert (await w.client.position(op.pubkey())).staked == MIN_STAKE
        assert w.svm.get_account(address).lamports == max(rent, gift)
        assert (await w.client.may_serve(op.pubkey())).eligible


def _non_canonical(seeds: list[bytes], program_id: Pubkey) -> tuple[Pubkey, int]:
    """A valid PDA of ``seeds`` at a bump below the canonical one: the
    highest lower bump whose hash is off the curve."""
    _, canonical = find_pda(seeds, program_id)
    for bump in range(canonical - 1, -1, -1):
        address = Pubkey(hashlib.sha256(b"".join(seeds) + bytes([bump]) + bytes(program_id)
                                        + b"ProgramDerivedAddress").digest())
        if not address.is_on_curve():
            return address, bump
    raise AssertionError("no lower bump gives a PDA")


async def test_initialize_config_bump_is_checked(staking_so) -> None:  # noqa: ANN001
    """Only the canonical config PDA can be initialized: another config (at a
    lower bump, or of other seeds) could name its own admin, vaults and cap."""
    w = await make_world(staking_so, initialize=False)
    prog, admin = w.program, w.admin
    await w.send([prog.create_vault(admin.pubkey(), w.mint)], [admin])
    canonical, bump = prog.config_pda()
    lower, lower_bump = _non_canonical([CONFIG_SEED], prog.program_id)
    other_seeds = find_pda([b"configs"], prog.program_id)
    lamports = w.svm.get_balance(admin.pubkey())
    for config, error in [((canonical, bump ^ 1), E.InvalidPda), (other_seeds, E.InvalidPda),
                          ((lower, lower_bump), E.NonCanonicalBump)]:
        ix = prog.initialize(admin=admin.pubkey(), sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                             params=w.params, config=config)
        await refused(w, w.send([ix], [admin, w.program_key]), error)
        assert w.svm.get_account(config[0]) is None, "a refused initialize created a config"
    # Only the three transactions' fees (two signatures of 5,000 lamports each), no rent.
    assert lamports - w.svm.get_balance(admin.pubkey()) == 3 * 2 * 5_000, "a refused initialize charged rent"
    await w.client.initialize(admin, program_key=w.program_key, sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                              params=w.params)
    assert (await w.client.config()).bump == bump


async def test_fake_config_and_reinitialization(world: World) -> None:
    w = world
    op = await staked_operator(w)
    # A config-shaped account owned by someone else.
    fake = Keypair().pubkey()
    from solders.account import Account

    real = w.svm.get_account(w.program.config_address())
    w.svm.set_account(fake, Account(real.lamports, bytes(real.data), Pubkey.default(), False, 0))
    ix = w.program.request_unstake(operator=op.pubkey(), amount=1)
    metas = list(ix.accounts)
    metas[1] = AccountMeta(fake, False, False)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), metas)], [op]), E.InvalidAccountOwner)
    # The stake position passed as config: owned by the program, wrong type.
    metas[1] = AccountMeta(w.program.stake_address(op.pubkey()), False, False)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), metas)], [op]), E.InvalidAccountData)
    await refused(w, w.client.initialize(w.admin, program_key=w.program_key, sgl_mint=w.mint,
                                         penalty_vault=w.penalty_vault, params=w.params), E.AlreadyInitialized)


async def test_only_the_program_key_initializes(staking_so) -> None:  # noqa: ANN001
    """A fresh deployment cannot be taken by whoever initializes it first:
    initialize needs the program's own key as a co-signer. Passed unsigned,
    or replaced by another signer, it is refused and nothing is created."""
    w = await make_world(staking_so, initialize=False)
    prog, mallory = w.program, await w.new_operator()
    await w.send([prog.create_vault(mallory.pubkey(), w.mint)], [mallory])
    ix = prog.initialize(admin=mallory.pubkey(), sgl_mint=w.mint, penalty_vault=w.penalty_vault, params=w.params)
    unsigned = list(ix.accounts)
    unsigned[1] = AccountMeta(prog.program_id, False, False)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), unsigned)], [mallory]), E.NotProgramKey)
    imposter = list(ix.accounts)
    imposter[1] = AccountMeta(mallory.pubkey(), True, False)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), imposter)], [mallory]), E.NotProgramKey)
    assert w.svm.get_account(prog.config_address()) is None
    with pytest.raises(ValueError, match="not the program's key"):
        await w.client.initialize(mallory, program_key=mallory, sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                                  params=w.params)
    # With the program key co-signing, anyone may pay for it and be admin.
    await w.client.initialize(mallory, program_key=w.program_key, sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                              params=w.params)
    assert (await w.client.config()).admin == mallory.pubkey()


async def test_admin_only(world: World) -> None:
    w = world
    mallory = await w.new_operator()
    await refused(w, w.client.set_paused(mallory, True), E.NotAdmin)
    await refused(w, w.client.update_config(mallory, w.params), E.NotAdmin)
    assert not (await w.client.config(refresh=True)).paused


async def test_unknown_instruction_and_bad_data(world: World) -> None:
    w = world
    op = await staked_operator(w)
    ix = w.program.request_unstake(operator=op.pubkey(), amount=1)
    for data, err in [(b"\x00" * 8, E.UnknownInstruction), (b"", E.UnknownInstruction),
                      (bytes(ix.data) + b"\x00", E.InvalidInstructionData),
                      (bytes(ix.data)[:-1], E.InvalidInstructionData)]:
        await refused(w, w.send([Instruction(ix.program_id, data, list(ix.accounts))], [op]), err)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), list(ix.accounts)[:2])], [op]),
                  E.NotEnoughAccounts)


async def test_token_accounts_are_checked_before_any_transfer(world: World) -> None:
    """A bad source or destination is the program's named error, never the
    token program's failure halfway through."""
    w = world
    op = await staked_operator(w)
    other = await w.new_operator(10 * SGL)
    theirs = associated_token_address(other.pubkey(), w.mint)
    ours = associated_token_address(op.pubkey(), w.mint)
    # Someone else's SGL, a non-token account, more than the balance.
    for source, amount, err in [(theirs, 1, E.InvalidTokenAccount), (w.program.config_address(), 1,
                                                                     E.InvalidTokenAccount),
                                (ours, w.balance(ours) + 1, E.InsufficientBalance)]:
        ix = w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=amount, operator_token=source)
        await refused(w, w.send([ix], [op]), err)
    await w.client.request_unstake(op, 10)
    w.warp(COOLDOWN)
    ix = w.program.withdraw_unstaked(operator=op.pubkey(), sgl_mint=w.mint, destination=w.program.stake_address(
        op.pubkey()))
    await refused(w, w.send([ix], [op]), E.InvalidTokenAccount)
    # Any SGL account is a fine destination: the operator chooses.
    await w.client.withdraw_unstaked(op, destination=theirs)
    assert w.balance(theirs) == 10 * SGL + 10


async def test_one_account_in_two_roles(world: World) -> None:
    """The config passed again as the position: a named error, not a borrow failure."""
    w = world
    op = await staked_operator(w)
    ix = w.program.request_unstake(operator=op.pubkey(), amount=1)
    metas = list(ix.accounts)
    metas[2] = AccountMeta(metas[1].pubkey, False, True)
    await refused(w, w.send([Instruction(ix.program_id, bytes(ix.data), metas)], [op]), E.DuplicateAccount)
