//! The shared receipt vectors (vectors.json), checked from the Rust side.
//! tests/staking/test_receipts.py checks the same file from Python.

use gridpay_receipts::{check_conflict, ConflictError, Receipt, ReceiptError, ReceiptView};

mod json;
use json::Value;

const VECTORS: &str = include_str!("../vectors.json");

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hex32(v: &Value) -> [u8; 32] {
    hex(v.str()).try_into().expect("32-byte field")
}

fn receipt_from_fields(f: &Value) -> Receipt {
    Receipt {
        job_id: hex32(f.get("job_id")),
        payer: hex32(f.get("payer")),
        operator: hex32(f.get("operator")),
        model_id_hash: hex32(f.get("model_id_hash")),
        prompt_hash: hex32(f.get("prompt_hash")),
        output_hash: hex32(f.get("output_hash")),
        prompt_tokens: f.get("prompt_tokens").int() as u64,
        completion_tokens: f.get("completion_tokens").int() as u64,
        price: f.get("price").int() as u64,
        signed_at: f.get("signed_at").int() as i64,
    }
}

fn vectors() -> Value {
    json::parse(VECTORS)
}

fn encoded_by_name(v: &Value, name: &str) -> Vec<u8> {
    let found = v.get("valid").array().iter().find(|c| c.get("name").str() == name);
    hex(found.unwrap_or_else(|| panic!("no valid vector {name}")).get("encoded").str())
}

#[test]
fn header_matches_the_crate() {
    let v = vectors();
    assert_eq!(v.get("domain").str().as_bytes(), gridpay_receipts::DOMAIN);
    assert_eq!(v.get("version").int(), gridpay_receipts::VERSION as i128);
    assert_eq!(v.get("length").int(), gridpay_receipts::RECEIPT_LEN as i128);
}

#[test]
fn valid_vectors_encode_and_decode() {
    let v = vectors();
    let cases = v.get("valid").array();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case.get("name").str();
        let expected = receipt_from_fields(case.get("fields"));
        let encoded = hex(case.get("encoded").str());
        assert_eq!(expected.encode().as_slice(), encoded.as_slice(), "encode {name}");
        let view = ReceiptView::parse(&encoded).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(view.to_receipt(), expected, "decode {name}");
    }
}

#[test]
fn invalid_vectors_fail_with_their_error() {
    let v = vectors();
    for case in v.get("invalid").array() {
        let bytes = hex(case.get("bytes").str());
        let expected = match case.get("error").str() {
            "wrong_length" => ReceiptError::WrongLength,
            "wrong_domain" => ReceiptError::WrongDomain,
            "unsupported_version" => ReceiptError::UnsupportedVersion,
            other => panic!("unknown error {other}"),
        };
        assert_eq!(ReceiptView::parse(&bytes), Err(expected), "{}", case.get("name").str());
    }
}

#[test]
fn conflict_vectors() {
    let v = vectors();
    for case in v.get("conflicts").array() {
        let name = case.get("name").str();
        let a = encoded_by_name(&v, case.get("a").str());
        let b = encoded_by_name(&v, case.get("b").str());
        let (a, b) = (ReceiptView::parse(&a).unwrap(), ReceiptView::parse(&b).unwrap());
        let got = check_conflict(&a, &b);
        match case.get("result").str() {
            "conflict" => {
                let c = got.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(c.earliest_signed_at as i128, case.get("earliest_signed_at").int(), "{name}");
                assert_eq!(c.operator, a.operator());
                assert_eq!(c.job_id, a.job_id());
            }
            other => {
                let expected = match other {
                    "identical" => ConflictError::Identical,
                    "not_conflicting" => ConflictError::NotConflicting,
                    "job_mismatch" => ConflictError::JobMismatch,
                    "operator_mismatch" => ConflictError::OperatorMismatch,
                    _ => panic!("unknown result {other}"),
                };
                assert_eq!(got.map(|_| ()), Err(expected), "{name}");
            }
        }
    }
}
