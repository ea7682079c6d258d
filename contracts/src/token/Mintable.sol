// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "./ERC20.sol";

/// @title A single minter, set once by `initialize`
/// @notice Local chains fund their test wallets by minting. The minter lives in storage
///         written by `initialize`, not by the constructor, so the token still works when
///         its runtime code is placed at another address (`anvil_setCode`): the deployer
///         initializes it there. Deploy and initialize in one step: until `initialize`
///         runs, anyone may claim the minter role.
abstract contract Mintable is ERC20 {
    /// @notice Emitted once, when `minter` becomes the minter.
    event MinterConfigured(address indexed minter);

    /// @notice `initialize` has already run.
    error AlreadyInitialized();
    /// @notice Only the minter may mint; `caller` is not it.
    error NotMinter(address caller);
    /// @notice The minter cannot be the zero address.
    error InvalidMinter();

    address private _minter;

    /// @notice Sets the minter; callable once.
    function initialize(address minter_) external {
        if (_minter != address(0)) revert AlreadyInitialized();
        if (minter_ == address(0)) revert InvalidMinter();
        _minter = minter_;
        emit MinterConfigured(minter_);
    }

    /// @notice Creates `amount` new tokens (base units) for `to`; minter only.
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @notice The account allowed to mint (zero until `initialize`).
    function minter() external view returns (address) {
        return _minter;
    }
}
