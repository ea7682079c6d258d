// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "../interfaces/IERC1271.sol";

/// @notice A signature does not authorise the message it was offered for: wrong signer,
///         malformed, high-s, or refused by the signer's EIP-1271 wallet.
error InvalidSignature();

/// @title Signature validation for externally owned accounts and contract wallets
/// @notice An account without code must have signed with ECDSA (secp256k1, 65-byte
///         r‖s‖v, v in {27, 28}, s in the lower half of the curve order so a signature
///         cannot be malleated into a second valid one). An account with code is asked
///         through EIP-1271 `isValidSignature`.
library SignatureChecker {
    /// @dev secp256k1 order / 2: the largest `s` accepted (EIP-2).
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev True when `signature` is `signer`'s valid signature of `digest`.
    function isValidSignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        returns (bool)
    {
        if (signer == address(0)) return false;
        if (signer.code.length == 0) return recover(digest, signature) == signer;
        return isValidERC1271SignatureNow(signer, digest, signature);
    }

    /// @dev Asks the contract `signer` whether `signature` is valid for `digest`; a revert,
    ///      a short answer or any other value than the magic value means no.
    function isValidERC1271SignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        returns (bool)
    {
        (bool ok, bytes memory result) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && result.length >= 32
            && abi.decode(result, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    /// @dev The ECDSA signer of `digest` from a 65-byte r‖s‖v signature, or zero when the
    ///      signature is malformed or invalid.
    function recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        // Read r, s (32 bytes each) and v (1 byte) straight from the bytes' memory.
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        return recover(digest, v, r, s);
    }

    /// @dev The ECDSA signer of `digest`, or zero when (v, r, s) is invalid or malleable.
    function recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s) internal pure returns (address) {
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }
}
