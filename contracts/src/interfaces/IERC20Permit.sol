// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title EIP-2612: allowance set by an off-chain signature
interface IERC20Permit {
    /// @notice Sets `spender`'s allowance over `owner`'s tokens to `value`, authorised
    ///         by `owner`'s EIP-712 signature over `Permit(owner,spender,value,nonce,deadline)`.
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;
    /// @notice The next permit nonce of `owner`.
    function nonces(address owner) external view returns (uint256);
    /// @notice The EIP-712 domain separator permits are signed under.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
