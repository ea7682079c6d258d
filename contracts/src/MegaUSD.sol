// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Stablecoin} from "./token/Stablecoin.sol";

/// @title MegaUSD (USDm), as gridpay's local MegaETH chain runs it (chain id 4326)
/// @notice ERC-20 with EIP-2612 permit (EIP-712 domain "MegaUSD", "1"); x402 payments move
///         it with `permit` + `PermitSettlement.settle`. 6 decimals.
contract MegaUSD is Stablecoin {
    function _metadata() internal pure override returns (Metadata memory) {
        return Metadata({name: "MegaUSD", symbol: "USDm", version: "1", decimals: 6});
    }
}
