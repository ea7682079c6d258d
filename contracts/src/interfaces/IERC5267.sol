// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title EIP-5267: retrieval of the EIP-712 domain
interface IERC5267 {
    /// @notice Emitted when the domain changes (never, for gridpay's contracts; part of the standard).
    event EIP712DomainChanged();

    /// @notice The fields and values of this contract's EIP-712 domain.
    /// @return fields Bitmap of the fields used: 0x0f = name, version, chainId, verifyingContract.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );
}
