// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";

/// @title ERC-20 balances, allowances and transfers
/// @notice Metadata (`name`, `symbol`, `decimals`) are left to the concrete token, which
///         returns constants so nothing depends on constructor-written storage.
///         An allowance of `type(uint256).max` is never decreased (unlimited approval).
abstract contract ERC20 is IERC20 {
    /// @notice `sender` holds `balance`, less than the `needed` amount.
    error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
    /// @notice `spender` may move `allowance`, less than the `needed` amount.
    error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    /// @notice Tokens cannot come from the zero address (except by minting).
    error ERC20InvalidSender(address sender);
    /// @notice Tokens cannot go to the zero address.
    error ERC20InvalidReceiver(address receiver);
    /// @notice The zero address cannot approve.
    error ERC20InvalidApprover(address approver);
    /// @notice The zero address cannot be approved.
    error ERC20InvalidSpender(address spender);

    mapping(address account => uint256) private _balances;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    uint256 private _totalSupply;

    /// @notice The token's name.
    function name() external view virtual returns (string memory);

    /// @notice The token's ticker symbol.
    function symbol() external view virtual returns (string memory);

    /// @notice Number of decimals of the base unit (USDC: 6, so 1_000_000 = 1 USDC).
    function decimals() external view virtual returns (uint8);

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) public view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    /// @dev Moves `value` from `from` to `to`; reverts when `from` holds less.
    function _transfer(address from, address to, uint256 value) internal {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 fromBalance = _balances[from];
        if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
        unchecked {
            // Cannot underflow (checked above) nor overflow (sum of balances = total supply).
            _balances[from] = fromBalance - value;
            _balances[to] += value;
        }
        emit Transfer(from, to, value);
    }

    /// @dev Creates `value` new tokens for `to`.
    function _mint(address to, uint256 value) internal {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _totalSupply += value; // checked: the supply must never wrap
        unchecked {
            _balances[to] += value; // no overflow: a balance never exceeds the supply
        }
        emit Transfer(address(0), to, value);
    }

    /// @dev Sets `owner`'s allowance for `spender` to `value`.
    function _approve(address owner, address spender, uint256 value) internal {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev Uses `value` of `owner`'s allowance for `spender`; an unlimited allowance stays.
    function _spendAllowance(address owner, address spender, uint256 value) internal {
        uint256 current = _allowances[owner][spender];
        if (current == type(uint256).max) return;
        if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
        uint256 remaining;
        unchecked {
            remaining = current - value; // checked above
        }
        _allowances[owner][spender] = remaining;
        emit Approval(owner, spender, remaining);
    }
}
