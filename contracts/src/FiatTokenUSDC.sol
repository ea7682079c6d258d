// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP3009} from "./token/EIP3009.sol";
import {Stablecoin} from "./token/Stablecoin.sol";

/// @title USD Coin, as gridpay's local chains run it (Base, chain id 8453)
/// @notice Signs like Circle's FiatToken v2.2: EIP-712 domain ("USD Coin", "2"), EIP-3009
///         transfer/receive/cancel authorizations, EIP-2612 permit, EIP-1271 wallets.
///         6 decimals: 1_000_000 base units = 1 USDC.
contract FiatTokenUSDC is Stablecoin, EIP3009 {
    function _metadata() internal pure override returns (Metadata memory) {
        return Metadata({name: "USD Coin", symbol: "USDC", version: "2", decimals: 6});
    }
}
