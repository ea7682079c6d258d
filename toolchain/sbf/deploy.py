"""Deploying a program through the upgradeable BPF loader (loader v3).

solders has no builders for the loader's instructions, so they are encoded
here (bincode: a u32 variant tag, then the fields). The builders are plain
functions returning ``Instruction``s so any client can send them;
:func:`deploy_with_litesvm` runs the whole sequence in a LiteSVM:
buffer account -> chunked writes -> deploy with a max data length.
"""

from __future__ import annotations

import struct

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT

LOADER_V3 = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
#: UpgradeableLoaderState::Buffer header: tag (4) + Option<Pubkey> authority (1 + 32)
BUFFER_HEADER = 37
#: UpgradeableLoaderState::Program: tag (4) + programdata address (32)
PROGRAM_SIZE = 36
#: bytes of program per Write transaction (fits the 1232-byte packet with signatures)
WRITE_CHUNK = 900

_INITIALIZE_BUFFER, _WRITE, _DEPLOY_WITH_MAX_DATA_LEN = 0, 1, 2


def programdata_address(program_id: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(program_id)], LOADER_V3)[0]


def initialize_buffer(buffer: Pubkey, authority: Pubkey) -> Instruction:
    return Instruction(LOADER_V3, struct.pack("<I", _INITIALIZE_BUFFER),
                       [AccountMeta(buffer, False, True), AccountMeta(authority, False, False)])


def write(buffer: Pubkey, authority: Pubkey, offset: int, data: bytes) -> Instruction:
    payload = struct.pack("<IIQ", _WRITE, offset, len(data)) + data
    return Instruction(LOADER_V3, payload,
                       [AccountMeta(buffer, False, True), AccountMeta(authority, True, False)])


def deploy_with_max_data_len(payer: Pubkey, program_id: Pubkey, buffer: Pubkey,
                             authority: Pubkey, max_data_len: int) -> Instruction:
    return Instruction(
        LOADER_V3, struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len),
        [AccountMeta(payer, True, True), AccountMeta(programdata_address(program_id), False, True),
         AccountMeta(program_id, False, True), AccountMeta(buffer, False, True),
         AccountMeta(RENT, False, False), AccountMeta(CLOCK, False, False),
         AccountMeta(SYSTEM_PROGRAM, False, False), AccountMeta(authority, True, False)])


def deploy_with_litesvm(svm, payer: Keypair, program: bytes, program_keypair: Keypair,
                        *, max_data_len: int | None = None) -> Pubkey:
    """Deploy ``program`` at ``program_keypair``'s address through loader v3
    (``payer`` is also the upgrade authority). Raises RuntimeError naming the
    failing step."""
    from solders.transaction import Transaction
    from solders.transaction_metadata import FailedTransactionMetadata

    def send(ixs: list[Instruction], signers: list[Keypair], step: str) -> None:
        svm.expire_blockhash()
        tx = Transaction.new_signed_with_payer(ixs, payer.pubkey(), signers,
                                               svm.latest_blockhash())
        result = svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            logs = "\n".join(result.meta().logs())
            raise RuntimeError(f"deploy: {step} failed: {result.err()}\n{logs}")

    buffer = Keypair()
    size = BUFFER_HEADER + len(program)
    send([create_account(CreateAccountParams(
            from_pubkey=payer.pubkey(), to_pubkey=buffer.pubkey(),
            lamports=svm.minimum_balance_for_rent_exemption(size), space=size, owner=LOADER_V3)),
          initialize_buffer(buffer.pubkey(), payer.pubkey())],
         [payer, buffer], "buffer creation")
    for offset in range(0, len(program), WRITE_CHUNK):
        send([write(buffer.pubkey(), payer.pubkey(), offset,
                    program[offset:offset + WRITE_CHUNK])], [payer], f"write at {offset}")
    program_id = program_keypair.pubkey()
    send([create_account(CreateAccountParams(
            from_pubkey=payer.pubkey(), to_pubkey=program_id,
            lamports=svm.minimum_balance_for_rent_exemption(PROGRAM_SIZE), space=PROGRAM_SIZE,
            owner=LOADER_V3)),
          deploy_with_max_data_len(payer.pubkey(), program_id, buffer.pubkey(), payer.pubkey(),
                                   max_data_len or 2 * len(program))],
         [payer, program_keypair], "deploy")
    return program_id
