// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "./interfaces/IERC20.sol";
import {IERC20Permit} from "./interfaces/IERC20Permit.sol";
import {EIP712} from "./utils/EIP712.sol";
import {InvalidSignature, SignatureChecker} from "./utils/SignatureChecker.sol";

/// @title Recipient-bound EIP-2612 payments (x402 `assetTransferMethod` "gridpay-permit")
/// @notice A bare permit names a spender, a value and a deadline but no recipient, so
///         whoever holds it could send the money anywhere. Here the payer signs, besides
///         a permit whose spender is this contract, a `PaymentIntent` naming token,
///         recipient, value, time window and a one-time nonce; anyone may submit both,
///         and this contract pulls exactly `value` from the payer, only to the recipient.
///         A permit already submitted by someone else (front-run) leaves the allowance
///         in place, so the payment still goes through.
contract PermitSettlement is EIP712 {
    /// @notice What the payer signs (EIP-712 type `PaymentIntent`, this contract's domain).
    struct PaymentIntent {
        address token;
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// @notice The payer's EIP-2612 permit for (spender = this contract, `value`, `deadline`).
    struct PermitData {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice Emitted when `value` of `token` has moved from `from` to `to` for intent `nonce`.
    event PaymentSettled(
        address indexed from, address indexed to, address indexed token, uint256 value, bytes32 nonce
    );
    /// @notice Emitted when `from` cancels their unused intent `nonce`.
    event IntentCanceled(address indexed from, bytes32 indexed nonce);

    /// @notice The intent was valid only before `validBefore` (seconds since epoch).
    error IntentExpired(uint256 validBefore);
    /// @notice The intent is valid only after `validAfter` (seconds since epoch).
    error IntentNotYetValid(uint256 validAfter);
    /// @notice `from`'s intent `nonce` has already been settled or cancelled.
    error IntentUsed(address from, bytes32 nonce);
    /// @notice After the permit, this contract may move only `allowance` of the payer's
    ///         tokens, less than the `needed` value.
    error InsufficientAllowance(uint256 allowance, uint256 needed);
    /// @notice The token's `transferFrom` returned false.
    error TransferFailed();

    /// @notice EIP-712 type hash of `PaymentIntent`.
    bytes32 public constant PAYMENT_INTENT_TYPEHASH = keccak256(
        "PaymentIntent(address token,address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    string private constant NAME = "gridpay PermitSettlement";
    string private constant VERSION = "1";

    mapping(address from => mapping(bytes32 nonce => bool)) private _intentStates;

    /// @notice Settles a signed payment: checks the intent's window, nonce and signature,
    ///         marks the nonce used, applies the permit (tolerating one that was already
    ///         applied), and moves exactly `intent.value` from `intent.from` to `intent.to`.
    ///         Anyone may call it (a relayer pays the gas).
    /// @param intent The payment the payer signed.
    /// @param intentSignature The payer's signature of `intent` (r‖s‖v, or EIP-1271 data).
    /// @param permit The payer's EIP-2612 permit to this contract on `intent.token`.
    function settle(PaymentIntent calldata intent, bytes calldata intentSignature, PermitData calldata permit)
        external
    {
        // Checks.
        if (block.timestamp <= intent.validAfter) revert IntentNotYetValid(intent.validAfter);
        if (block.timestamp >= intent.validBefore) revert IntentExpired(intent.validBefore);
        if (_intentStates[intent.from][intent.nonce]) revert IntentUsed(intent.from, intent.nonce);
        if (!SignatureChecker.isValidSignatureNow(intent.from, hashIntent(intent), intentSignature)) {
            revert InvalidSignature();
        }

        // Effects.
        _intentStates[intent.from][intent.nonce] = true;
        emit PaymentSettled(intent.from, intent.to, intent.token, intent.value, intent.nonce);

        // Interactions. A failing permit is ignored on purpose: if it failed because it was
        // front-run, the allowance is there; if it was bad, the allowance check below fails.
        try IERC20Permit(intent.token).permit(
            intent.from, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s
        ) {} catch {}
        uint256 allowed = IERC20(intent.token).allowance(intent.from, address(this));
        if (allowed < intent.value) revert InsufficientAllowance(allowed, intent.value);
        if (!IERC20(intent.token).transferFrom(intent.from, intent.to, intent.value)) revert TransferFailed();
    }

    /// @notice Cancels the caller's unused intent `nonce`, so it can never be settled.
    function cancelIntent(bytes32 nonce) external {
        if (_intentStates[msg.sender][nonce]) revert IntentUsed(msg.sender, nonce);
        _intentStates[msg.sender][nonce] = true;
        emit IntentCanceled(msg.sender, nonce);
    }

    /// @notice True when `from`'s intent `nonce` has been settled or cancelled.
    function intentState(address from, bytes32 nonce) external view returns (bool) {
        return _intentStates[from][nonce];
    }

    /// @notice The EIP-712 digest the payer signs for `intent`.
    function hashIntent(PaymentIntent calldata intent) public view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(PAYMENT_INTENT_TYPEHASH, intent)));
    }

    function _eip712Name() internal pure override returns (string memory) {
        return NAME;
    }

    function _eip712Version() internal pure override returns (string memory) {
        return VERSION;
    }
}
