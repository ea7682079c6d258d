"""Hypothesis state machine over FiatTokenUSDC: random mints, transfers, EIP-3009
authorizations (submitted, replayed, cancelled), permits and pulls across several
accounts, one of them an EIP-1271 wallet. After every step the chain must agree with
a plain-Python model: total supply = sum of balances = model, and no authorization
nonce has moved tokens twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.contracts.chain import reverts
from tests.contracts.conftest import World
from tests.contracts.signing import Authorization, sign_cancel, sign_permit
from tests.contracts.test_eip3009 import CANCEL_BYTES, RECEIVE_BYTES, TRANSFER_BYTES, TRANSFER_VRS

pytestmark = [pytest.mark.evm, pytest.mark.properties]

HOLDERS = 5  # payer, payee, relayer, mallory, smart wallet
amounts = st.integers(min_value=0, max_value=1_500_000_000)  # up to 1,500 USDC: overdrafts happen
GAS = 500_000  # success paths skip gas estimation (twice as fast on eth-tester)


@dataclass(frozen=True)
class Signed:
    auth: Authorization
    kind: str  # "transfer" or "receive"
    signature: bytes


def test_usdc_matches_its_model(world: World) -> None:
    usdc, chain = world.usdc, world.chain
    holders = [world.payer, world.payee, world.relayer, world.mallory]
    addresses = [h.address for h in holders] + [world.wallet.address]
    signer_of = {h.address: h for h in holders} | {world.wallet.address: world.wallet_owner}
    domain = world.token_domain("FiatTokenUSDC")
    snapshot = chain.tester.take_snapshot()
    who = st.integers(min_value=0, max_value=HOLDERS - 1)

    class USDCMachine(RuleBasedStateMachine):
        authorizations = Bundle("authorizations")

        @initialize()
        def start(self) -> None:
            chain.tester.revert_to_snapshot(snapshot)
            self.balances = {a: usdc.functions.balanceOf(a).call() for a in addresses}
            self.supply = usdc.functions.totalSupply().call()
            self.states: dict[tuple[str, bytes], str] = {}  # (authorizer, nonce) -> used|canceled
            self.signed: list[Signed] = []
            self.uses: Counter[tuple[str, bytes]] = Counter()  # AuthorizationUsed events seen
            self.permit_nonces = {a: usdc.functions.nonces(a).call() for a in addresses}
            self.touched: set[tuple[str, bytes]] = set()  # nonces a step may have changed

        def teardown(self) -> None:
            # Every nonce ever signed, once more at the end (steps check those they touch).
            self._check_authorization_states({(s.auth.from_, s.auth.nonce) for s in self.signed})
            chain.tester.revert_to_snapshot(snapshot)

        def _check_authorization_states(self, keys: set[tuple[str, bytes]]) -> None:
            for key in keys:
                assert usdc.functions.authorizationState(*key).call() == (key in self.states), key

        def _expect_transfer_error(self, src: str, value: int) -> tuple | None:
            if self.balances[src] < value:
                return ("ERC20InsufficientBalance", (src, self.balances[src], value))
            return None

        @rule(to=who, value=amounts)
        def mint(self, to: int, value: int) -> None:
            chain.send(usdc.functions.mint(addresses[to], value), world.minter, gas=GAS)
            self.balances[addresses[to]] += value
            self.supply += value

        @rule(src=st.integers(0, 3), dst=who, value=amounts)
        def transfer(self, src: int, dst: int, value: int) -> None:
            sender, to = holders[src], addresses[dst]
            if (error := self._expect_transfer_error(sender.address, value)) is not None:
                assert (
                    reverts(lambda: chain.send(usdc.functions.transfer(to, value), sender)) == error
                )
                return
            chain.send(usdc.functions.transfer(to, value), sender, gas=GAS)
            self.balances[sender.address] -= value
            self.balances[to] += value

        @rule(
            target=authorizations,
            src=who,
            dst=who,
            value=amounts,
            kind=st.sampled_from(["transfer", "receive"]),
            nonce=st.binary(min_size=32, max_size=32),
        )
        def sign_authorization(
            self, src: int, dst: int, value: int, kind: str, nonce: bytes
        ) -> Signed:
            auth = Authorization(
                addresses[src], addresses[dst], value, 0, chain.timestamp() + 3600, nonce
            )
            primary = (
                "TransferWithAuthorization" if kind == "transfer" else "ReceiveWithAuthorization"
            )
            signed = Signed(auth, kind, auth.sign(signer_of[auth.from_], domain, primary).packed)
            self.signed.append(signed)
            self.touched.add((auth.from_, auth.nonce))
            return signed

        @rule(signed=authorizations, as_vrs=st.booleans())
        def submit(self, signed: Signed, as_vrs: bool) -> None:
            auth = signed.auth
            if signed.kind == "receive":
                if auth.to == world.wallet.address:
                    return  # the wallet would have to call through execute; covered elsewhere
                call = usdc.get_function_by_signature(RECEIVE_BYTES)(*auth.args, signed.signature)
                sender = signer_of[auth.to]
            elif as_vrs:
                sig = signed.signature
                call = usdc.get_function_by_signature(TRANSFER_VRS)(
                    *auth.args, sig[64], sig[:32], sig[32:64]
                )
                sender = world.relayer
            else:
                call = usdc.get_function_by_signature(TRANSFER_BYTES)(*auth.args, signed.signature)
                sender = world.relayer
            key = (auth.from_, auth.nonce)
            self.touched.add(key)
            state = self.states.get(key)
            if state == "used":
                error = ("AuthorizationAlreadyUsed", key)
            elif state == "canceled":
                error = ("AuthorizationAlreadyCanceled", key)
            else:
                error = self._expect_transfer_error(auth.from_, auth.value)
            if error is not None:
                assert reverts(lambda: chain.send(call, sender)) == error
                return
            receipt = chain.send(call, sender, gas=GAS)
            for event in chain.events(usdc, "AuthorizationUsed", receipt):
                self.uses[(event.args.authorizer, event.args.nonce)] += 1
            self.states[key] = "used"
            self.balances[auth.from_] -= auth.value
            self.balances[auth.to] += auth.value

        @rule(signed=authorizations)
        def cancel(self, signed: Signed) -> None:
            auth = signed.auth
            key = (auth.from_, auth.nonce)
            self.touched.add(key)
            sig = sign_cancel(signer_of[auth.from_], domain, auth.from_, auth.nonce).packed
            call = usdc.get_function_by_signature(CANCEL_BYTES)(auth.from_, auth.nonce, sig)
            if key in self.states:
                expected = (
                    "AuthorizationAlreadyUsed"
                    if self.states[key] == "used"
                    else "AuthorizationAlreadyCanceled"
                )
                assert reverts(lambda: chain.send(call, world.relayer)) == (expected, key)
                return
            chain.send(call, world.relayer, gas=GAS)
            self.states[key] = "canceled"

        @rule(owner=who, spender=st.integers(0, 3), dst=who, allowance=amounts, pull=amounts)
        def permit_and_pull(
            self, owner: int, spender: int, dst: int, allowance: int, pull: int
        ) -> None:
            owner_addr, puller, to = addresses[owner], holders[spender], addresses[dst]
            deadline = chain.timestamp() + 600
            sig = sign_permit(
                signer_of[owner_addr],
                domain,
                owner_addr,
                puller.address,
                allowance,
                self.permit_nonces[owner_addr],
                deadline,
            )
            chain.send(
                usdc.get_function_by_signature("permit(address,address,uint256,uint256,bytes)")(
                    owner_addr, puller.address, allowance, deadline, sig.packed
                ),
                world.relayer,
                gas=GAS,
            )
            self.permit_nonces[owner_addr] += 1
            call = usdc.functions.transferFrom(owner_addr, to, pull)
            if pull > allowance:
                assert reverts(lambda: chain.send(call, puller)) == (
                    "ERC20InsufficientAllowance",
                    (puller.address, allowance, pull),
                )
                return
            if (error := self._expect_transfer_error(owner_addr, pull)) is not None:
                assert reverts(lambda: chain.send(call, puller)) == error
                return
            chain.send(call, puller, gas=GAS)
            self.balances[owner_addr] -= pull
            self.balances[to] += pull

        @invariant()
        def supply_and_balances_match_the_model(self) -> None:
            on_chain = {a: usdc.functions.balanceOf(a).call() for a in addresses}
            assert on_chain == self.balances
            assert usdc.functions.totalSupply().call() == self.supply == sum(self.balances.values())

        @invariant()
        def no_authorization_used_twice(self) -> None:
            assert all(count == 1 for count in self.uses.values())
            assert set(self.uses) == {k for k, v in self.states.items() if v == "used"}
            self._check_authorization_states(self.touched)
            self.touched.clear()

    run_state_machine_as_test(
        USDCMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
