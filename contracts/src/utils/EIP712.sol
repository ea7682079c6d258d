// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title EIP-712 typed-data domain, done once for every gridpay contract
/// @notice The domain is (name, version, chainId, verifyingContract). The separator is
///         cached in immutables at deployment and rebuilt whenever `block.chainid` or
///         `address(this)` differs from the cached values: local chains place these
///         contracts at their real mainnet addresses with `anvil_setCode`, and a chain
///         may fork. Name and version come from the deriving contract's constants, never
///         from storage or immutables, so a copy of the runtime code (even one whose
///         immutables were left zero) still computes the right domain. The domain is
///         published through EIP-5267 `eip712Domain()`.
abstract contract EIP712 {
    /// @notice EIP-5267: emitted when the domain changes (never, for gridpay's contracts).
    event EIP712DomainChanged();

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    bytes32 private immutable _cachedDomainSeparator;
    uint256 private immutable _cachedChainId;
    address private immutable _cachedThis;

    constructor() {
        _cachedChainId = block.chainid;
        _cachedThis = address(this);
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    /// @notice EIP-5267: the fields and values of this contract's EIP-712 domain.
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
        )
    {
        return (hex"0f", _eip712Name(), _eip712Version(), block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    /// @dev The EIP-712 `name` of this contract's domain.
    function _eip712Name() internal view virtual returns (string memory);

    /// @dev The EIP-712 `version` of this contract's domain.
    function _eip712Version() internal view virtual returns (string memory);

    /// @dev The separator for the current chain and address.
    function _domainSeparator() internal view returns (bytes32) {
        if (block.chainid == _cachedChainId && address(this) == _cachedThis) {
            return _cachedDomainSeparator;
        }
        return _buildDomainSeparator();
    }

    /// @dev The EIP-712 digest of a struct whose `hashStruct` is `structHash`.
    function _hashTypedData(bytes32 structHash) internal view returns (bytes32 digest) {
        bytes32 separator = _domainSeparator();
        // keccak256("\x19\x01" ‖ domainSeparator ‖ structHash) without an abi.encodePacked copy.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), separator)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(_eip712Name())),
                keccak256(bytes(_eip712Version())),
                block.chainid,
                address(this)
            )
        );
    }
}
