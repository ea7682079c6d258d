// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title EIP-1271: signature validation for contract accounts
interface IERC1271 {
    /// @notice Returns 0x1626ba7e (this function's selector) when `signature` is a
    ///         valid signature of `hash` on behalf of this contract.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4 magicValue);
}
