// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP3009} from "./token/EIP3009.sol";
import {ERC20Permit} from "./token/ERC20Permit.sol";
import {Mintable} from "./token/Mintable.sol";

/// @title USD Coin, as gridpay's local chains run it (Base, chain id 8453)
/// @notice Signs like Circle's FiatToken v2.2: EIP-712 domain ("USD Coin", "2"), EIP-3009
///         transfer/receive/cancel authorizations, EIP-2612 permit, EIP-1271 wallets.
///         6 decimals: 1_000_000 base units = 1 USDC.
contract FiatTokenUSDC is Mintable, ERC20Permit, EIP3009 {
    string private constant NAME = "USD Coin";
    string private constant VERSION = "2";

    /// @notice "USD Coin".
    function name() external pure override returns (string memory) {
        return NAME;
    }

    /// @notice "USDC".
    function symbol() external pure override returns (string memory) {
        return "USDC";
    }

    /// @notice 6.
    function decimals() external pure override returns (uint8) {
        return 6;
    }

    /// @notice The EIP-712 domain version, "2" as on the real USDC.
    function version() external pure returns (string memory) {
        return VERSION;
    }

    function _eip712Name() internal pure override returns (string memory) {
        return NAME;
    }

    function _eip712Version() internal pure override returns (string memory) {
        return VERSION;
    }
}
