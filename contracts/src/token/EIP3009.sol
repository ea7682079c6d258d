// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "../utils/EIP712.sol";
import {InvalidSignature, SignatureChecker} from "../utils/SignatureChecker.sol";
import {ERC20} from "./ERC20.sol";

/// @title EIP-3009: transfers authorised by the payer's EIP-712 signature
/// @notice Type hashes, nonce semantics (random 32-byte nonces, each usable once per
///         authorizer), strict time windows (validAfter < now < validBefore) and the
///         `bytes signature` overloads for EIP-1271 wallets follow Circle's FiatToken v2.2,
///         so clients written for USDC work unchanged.
abstract contract EIP3009 is ERC20, EIP712 {
    /// @notice Emitted when `authorizer`'s authorization `nonce` moves tokens.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice Emitted when `authorizer` cancels the unused authorization `nonce`.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @notice The authorization is valid only after `validAfter` (seconds since epoch).
    error AuthorizationNotYetValid(uint256 validAfter);
    /// @notice The authorization was valid only before `validBefore` (seconds since epoch).
    error AuthorizationExpired(uint256 validBefore);
    /// @notice `authorizer`'s authorization `nonce` has already moved tokens.
    error AuthorizationAlreadyUsed(address authorizer, bytes32 nonce);
    /// @notice `authorizer` cancelled the authorization `nonce`.
    error AuthorizationAlreadyCanceled(address authorizer, bytes32 nonce);
    /// @notice `receiveWithAuthorization` must be called by the payee `payee`, not `caller`.
    error CallerNotPayee(address caller, address payee);

    /// @notice EIP-712 type hash of `TransferWithAuthorization` (as FiatToken v2).
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-712 type hash of `ReceiveWithAuthorization` (as FiatToken v2).
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-712 type hash of `CancelAuthorization` (as FiatToken v2).
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

    /// @dev Why a nonce can no longer be used; `Unused` is the zero value.
    enum AuthorizationState {
        Unused,
        Used,
        Canceled
    }

    mapping(address authorizer => mapping(bytes32 nonce => AuthorizationState)) private _authorizationStates;

    /// @dev A receive authorization is redeemed only in the payee's own transaction.
    modifier onlyPayee(address to) {
        if (msg.sender != to) revert CallerNotPayee(msg.sender, to);
        _;
    }

    /// @notice True when `authorizer`'s `nonce` has been used or cancelled.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationStates[authorizer][nonce] != AuthorizationState.Unused;
    }

    // Each entry point takes the signed message's fields, then the signature: as (v, r, s),
    // or as bytes (r‖s‖v for an EOA, anything its EIP-1271 wallet accepts for a contract).

    /// @notice Moves `value` from `from` to `to` on `from`'s signed authorization; anyone
    ///         may submit it (a relayer pays the gas).
    function transferWithAuthorization(
        address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce,
        uint8 v, bytes32 r, bytes32 s
    ) external {
        _authorize(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, _packed(v, r, s));
    }

    /// @notice `transferWithAuthorization` with the signature as bytes.
    function transferWithAuthorization(
        address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce,
        bytes calldata signature
    ) external {
        _authorize(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature);
    }

    /// @notice Like `transferWithAuthorization`, but only the payee `to` may submit it, so
    ///         a front-runner cannot trigger the payment outside the payee's own transaction
    ///         (e.g. a deposit contract pulling funds).
    function receiveWithAuthorization(
        address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce,
        uint8 v, bytes32 r, bytes32 s
    ) external onlyPayee(to) {
        _authorize(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, _packed(v, r, s));
    }

    /// @notice `receiveWithAuthorization` with the signature as bytes.
    function receiveWithAuthorization(
        address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce,
        bytes calldata signature
    ) external onlyPayee(to) {
        _authorize(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature);
    }

    /// @notice Cancels `authorizer`'s unused authorization `nonce`, on `authorizer`'s
    ///         signed `CancelAuthorization`; anyone may submit it.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancel(authorizer, nonce, _packed(v, r, s));
    }

    /// @notice `cancelAuthorization` with the signature as bytes.
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature) external {
        _cancel(authorizer, nonce, signature);
    }

    /// @dev Checks the time window, that the nonce is unused and the payer's signature;
    ///      then marks the nonce used and moves the tokens (a short balance reverts both).
    function _authorize(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) revert AuthorizationNotYetValid(validAfter);
        if (block.timestamp >= validBefore) revert AuthorizationExpired(validBefore);
        _requireUnused(from, nonce);
        bytes32 digest =
            _hashTypedData(keccak256(abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce)));
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidSignature();

        _authorizationStates[from][nonce] = AuthorizationState.Used;
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }

    /// @dev Checks the nonce is unused and the authorizer's signature, then cancels it.
    function _cancel(address authorizer, bytes32 nonce, bytes memory signature) private {
        _requireUnused(authorizer, nonce);
        bytes32 digest = _hashTypedData(keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)));
        if (!SignatureChecker.isValidSignatureNow(authorizer, digest, signature)) revert InvalidSignature();

        _authorizationStates[authorizer][nonce] = AuthorizationState.Canceled;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @dev The (v, r, s) overloads pass r‖s‖v, as FiatToken v2.2 does, so one path serves
    ///      EOAs and EIP-1271 wallets.
    function _packed(uint8 v, bytes32 r, bytes32 s) private pure returns (bytes memory) {
        return abi.encodePacked(r, s, v);
    }

    function _requireUnused(address authorizer, bytes32 nonce) private view {
        AuthorizationState state = _authorizationStates[authorizer][nonce];
        if (state == AuthorizationState.Used) revert AuthorizationAlreadyUsed(authorizer, nonce);
        if (state == AuthorizationState.Canceled) revert AuthorizationAlreadyCanceled(authorizer, nonce);
    }
}
