// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "../interfaces/IERC1271.sol";
import {SignatureChecker} from "../utils/SignatureChecker.sol";

/// @title Minimal EIP-1271 contract wallet, for tests
/// @notice Accepts a signature when its owner's key signed the hash (ECDSA, r‖s‖v), and
///         lets the owner call any contract through `execute` (e.g. to cancel an intent
///         or approve a spender on the wallet's behalf).
contract SmartWallet is IERC1271 {
    /// @notice Emitted after the wallet called `target` with `value` wei and `data`.
    event Executed(address indexed target, uint256 value, bytes data);

    /// @notice Only the owner may make the wallet call out; `caller` is not it.
    error NotOwner(address caller);

    /// @notice The key whose signatures the wallet accepts.
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Accepts ether sent to the wallet.
    receive() external payable {}

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return SignatureChecker.recover(hash, signature) == owner && owner != address(0)
            ? IERC1271.isValidSignature.selector
            : bytes4(0xffffffff);
    }

    /// @notice Calls `target` with `value` wei and `data` as the wallet; owner only.
    ///         A revert in the call is re-raised with its original data.
    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        emit Executed(target, value, data);
        bool ok;
        (ok, result) = target.call{value: value}(data);
        if (!ok) {
            // Bubble the callee's revert data up unchanged so callers see its custom error.
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
