// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20Permit} from "./ERC20Permit.sol";
import {Mintable} from "./Mintable.sol";

/// @title A gridpay stablecoin: ERC-20, EIP-2612 permit and a minter; only metadata left open
/// @notice A token is `_metadata()` returning constants: nothing it names itself by lives in
///         constructor-written storage or immutables, so its runtime code placed at another
///         address (`anvil_setCode`) still reports the right metadata and EIP-712 domain.
abstract contract Stablecoin is Mintable, ERC20Permit {
    /// @dev What distinguishes one token from another; `name` and `version` are also its
    ///      EIP-712 domain's.
    struct Metadata {
        string name;
        string symbol;
        string version;
        uint8 decimals;
    }

    /// @notice The token's name, also the name of its EIP-712 domain.
    function name() external pure override returns (string memory) {
        return _metadata().name;
    }

    /// @notice The token's ticker symbol.
    function symbol() external pure override returns (string memory) {
        return _metadata().symbol;
    }

    /// @notice Decimals of the base unit (6: 1_000_000 base units = 1 token).
    function decimals() external pure override returns (uint8) {
        return _metadata().decimals;
    }

    /// @notice The EIP-712 domain version.
    function version() external pure returns (string memory) {
        return _metadata().version;
    }

    function _eip712Name() internal pure override returns (string memory) {
        return _metadata().name;
    }

    function _eip712Version() internal pure override returns (string memory) {
        return _metadata().version;
    }

    /// @dev The token's metadata, as constants.
    function _metadata() internal pure virtual returns (Metadata memory);
}
