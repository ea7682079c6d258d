// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20Permit} from "./token/ERC20Permit.sol";
import {Mintable} from "./token/Mintable.sol";

/// @title World Liberty Financial USD (USD1), as gridpay's local BSC chain runs it (chain id 56)
/// @notice ERC-20 with EIP-2612 permit (EIP-712 domain "World Liberty Financial USD", "1");
///         x402 payments move it with `permit` + `PermitSettlement.settle`.
///         18 decimals: 10**18 base units = 1 USD1.
contract USD1 is Mintable, ERC20Permit {
    string private constant NAME = "World Liberty Financial USD";
    string private constant VERSION = "1";

    /// @notice "World Liberty Financial USD".
    function name() external pure override returns (string memory) {
        return NAME;
    }

    /// @notice "USD1".
    function symbol() external pure override returns (string memory) {
        return "USD1";
    }

    /// @notice 18.
    function decimals() external pure override returns (uint8) {
        return 18;
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
