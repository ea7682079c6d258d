// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20Permit} from "../interfaces/IERC20Permit.sol";
import {EIP712} from "../utils/EIP712.sol";
import {InvalidSignature, SignatureChecker} from "../utils/SignatureChecker.sol";
import {ERC20} from "./ERC20.sol";

/// @title EIP-2612 permit: an allowance set by the owner's EIP-712 signature
/// @notice The owner may be a contract wallet (EIP-1271); it then gets the signature as
///         given (`bytes` overload) or packed r‖s‖v (`v, r, s` overload), as in Circle's
///         FiatToken v2.2.
abstract contract ERC20Permit is ERC20, EIP712, IERC20Permit {
    /// @notice The permit's deadline has passed.
    error PermitExpired(uint256 deadline);

    /// @notice EIP-712 type hash of the EIP-2612 `Permit`.
    bytes32 public constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    mapping(address owner => uint256) private _nonces;

    /// @inheritdoc IERC20Permit
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        _permit(owner, spender, value, deadline, abi.encodePacked(r, s, v));
    }

    /// @notice `permit` with the signature as bytes (r‖s‖v for an EOA, anything its
    ///         EIP-1271 wallet accepts for a contract owner).
    function permit(address owner, address spender, uint256 value, uint256 deadline, bytes calldata signature)
        external
    {
        _permit(owner, spender, value, deadline, signature);
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) external view returns (uint256) {
        return _nonces[owner];
    }

    /// @inheritdoc IERC20Permit
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    /// @dev Checks the deadline and `owner`'s signature over their current nonce, then
    ///      spends the nonce and sets the allowance.
    function _permit(address owner, address spender, uint256 value, uint256 deadline, bytes memory signature)
        private
    {
        if (block.timestamp > deadline) revert PermitExpired(deadline);
        uint256 nonce = _nonces[owner];
        bytes32 digest =
            _hashTypedData(keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline)));
        if (!SignatureChecker.isValidSignatureNow(owner, digest, signature)) revert InvalidSignature();

        unchecked {
            _nonces[owner] = nonce + 1; // a 256-bit counter advanced only by signatures cannot wrap
        }
        _approve(owner, spender, value);
    }
}
