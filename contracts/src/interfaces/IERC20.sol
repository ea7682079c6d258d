// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ERC-20 token standard
interface IERC20 {
    /// @notice Emitted when `value` tokens move from `from` to `to` (`from` is zero on mint).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice Emitted when `owner` sets the allowance of `spender` to `value`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Total amount of tokens in existence, in base units.
    function totalSupply() external view returns (uint256);
    /// @notice Balance of `account`, in base units.
    function balanceOf(address account) external view returns (uint256);
    /// @notice Amount `spender` may still move out of `owner`'s balance.
    function allowance(address owner, address spender) external view returns (uint256);
    /// @notice Moves `value` from the caller to `to`.
    function transfer(address to, uint256 value) external returns (bool);
    /// @notice Sets the caller's allowance for `spender` to `value`.
    function approve(address spender, uint256 value) external returns (bool);
    /// @notice Moves `value` from `from` to `to` using the caller's allowance.
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}
