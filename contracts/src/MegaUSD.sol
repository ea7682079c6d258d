// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20Permit} from "./token/ERC20Permit.sol";
import {Mintable} from "./token/Mintable.sol";

/// @title MegaUSD (USDm), as gridpay's local MegaETH chain runs it (chain id 4326)
/// @notice ERC-20 with EIP-2612 permit (EIP-712 domain "MegaUSD", "1"); x402 payments move
///         it with `permit` + `PermitSettlement.settle`. 6 decimals.
contract MegaUSD is Mintable, ERC20Permit {
    string private constant NAME = "MegaUSD";
    string private constant VERSION = "1";

    /// @notice "MegaUSD".
    function name() external pure override returns (string memory) {
        return NAME;
    }

    /// @notice "USDm".
    function symbol() external pure override returns (string memory) {
        return "USDm";
    }

    /// @notice 6.
    function decimals() external pure override returns (uint8) {
        return 6;
    }

    /// @notice The EIP-712 domain version, "1".
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
