"""ape smoke test: the same contracts, compiled by ape-solidity through the
project's solc wrapper, deployed on anvil by ape-foundry. Run by `make ape`."""


def test_usdc_mint_and_transfer(accounts, project):
    minter, alice, bob = accounts[0], accounts[1], accounts[2]
    usdc = project.FiatTokenUSDC.deploy(sender=minter)
    usdc.initialize(minter, sender=minter)
    usdc.mint(alice, 5_000_000, sender=minter)
    usdc.transfer(bob, 1_250_000, sender=alice)
    assert usdc.balanceOf(alice) == 3_750_000
    assert usdc.balanceOf(bob) == 1_250_000
    assert usdc.decimals() == 6


def test_eip712_domain_names_the_chain(chain, accounts, project):
    usdc = project.FiatTokenUSDC.deploy(sender=accounts[0])
    domain = usdc.eip712Domain()
    assert domain.name == "USD Coin"
    assert domain.version == "2"
    assert domain.chainId == chain.chain_id
    assert domain.verifyingContract == usdc.address


def test_runs_on_anvil(chain):
    # ape-config.yaml makes ape-foundry (anvil) the local provider.
    assert chain.provider.name == "foundry"
