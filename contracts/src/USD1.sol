// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Stablecoin} from "./token/Stablecoin.sol";

/// @title World Liberty Financial USD (USD1), as gridpay's local BSC chain runs it (chain id 56)
/// @notice ERC-20 with EIP-2612 permit (EIP-712 domain "World Liberty Financial USD", "1");
///         x402 payments move it with `permit` + `PermitSettlement.settle`.
///         18 decimals: 10**18 base units = 1 USD1.
contract USD1 is Stablecoin {
    function _metadata() internal pure override returns (Metadata memory) {
        return Metadata({name: "World Liberty Financial USD", symbol: "USD1", version: "1", decimals: 18});
    }
}
