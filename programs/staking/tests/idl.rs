//! The checked-in IDL against the crate: instruction, account and event
//! discriminators, error names/codes/messages, account sizes.

use gridpay_sdk::discriminator::{account_discriminator, event_discriminator, instruction_discriminator};
use gridpay_sdk::event::Event;
use gridpay_sdk::state::AccountState;
use staking::errors::StakingError;
use staking::events::{ConfigUpdated, PausedSet, Slashed, Staked, UnstakeCancelled, UnstakeRequested, Withdrawn};
use staking::instructions::INSTRUCTIONS;
use staking::state::{Config, ProofRecord, StakePosition};

#[path = "../../receipts/tests/json/mod.rs"]
mod json;

const IDL: &str = include_str!("../idl.json");

fn bytes(v: &json::Value) -> Vec<u8> {
    v.array().iter().map(|b| b.int() as u8).collect()
}

fn named<'a>(list: &'a json::Value, name: &str) -> &'a json::Value {
    list.array().iter().find(|x| x.get("name").str() == name).unwrap_or_else(|| panic!("{name} not in IDL"))
}

#[test]
fn instructions_match() {
    let idl = json::parse(IDL);
    let listed = idl.get("instructions").array();
    assert_eq!(listed.len(), INSTRUCTIONS.len());
    for (ix, (name, disc)) in listed.iter().zip(INSTRUCTIONS) {
        assert_eq!(ix.get("name").str(), name);
        assert_eq!(bytes(ix.get("discriminator")), disc.to_vec(), "{name}");
        assert_eq!(disc, instruction_discriminator(name));
    }
}

#[test]
fn errors_match() {
    let idl = json::parse(IDL);
    let listed = idl.get("errors").array();
    assert_eq!(listed.len(), StakingError::ALL.len());
    for (e, ours) in listed.iter().zip(StakingError::ALL) {
        assert_eq!(e.get("code").int(), ours.code() as i128);
        assert_eq!(e.get("name").str(), ours.name());
        assert_eq!(e.get("msg").str(), ours.message());
    }
}

fn fixed_size(idl: &json::Value, ty: &json::Value) -> usize {
    match ty {
        json::Value::Str(s) => match s.as_str() {
            "u8" | "bool" => 1,
            "u16" => 2,
            "u64" | "i64" => 8,
            "pubkey" => 32,
            other => panic!("unexpected type {other}"),
        },
        json::Value::Object(fields) => match fields[0].0.as_str() {
            "array" => {
                let pair = ty.get("array").array();
                pair[1].int() as usize * fixed_size(idl, &pair[0])
            }
            _ => struct_size(idl, ty.get("defined").get("name").str()),
        },
        other => panic!("unexpected type {other:?}"),
    }
}

fn struct_size(idl: &json::Value, name: &str) -> usize {
    let fields = named(idl.get("types"), name).get("type").get("fields");
    fields.array().iter().map(|f| fixed_size(idl, f.get("type"))).sum()
}

#[test]
fn accounts_match() {
    let idl = json::parse(IDL);
    let check = |name: &str, disc: [u8; 8], space: usize| {
        assert_eq!(bytes(named(idl.get("accounts"), name).get("discriminator")), disc.to_vec());
        assert_eq!(disc, account_discriminator(name));
        assert_eq!(8 + struct_size(&idl, name), space, "{name} size");
    };
    check("Config", Config::DISCRIMINATOR, Config::SPACE);
    check("StakePosition", StakePosition::DISCRIMINATOR, StakePosition::SPACE);
    check("ProofRecord", ProofRecord::DISCRIMINATOR, ProofRecord::SPACE);
}

#[test]
fn events_match() {
    let idl = json::parse(IDL);
    let check = |name: &str, disc: [u8; 8], fields_len: usize| {
        assert_eq!(bytes(named(idl.get("events"), name).get("discriminator")), disc.to_vec());
        assert_eq!(disc, event_discriminator(name));
        assert_eq!(struct_size(&idl, name), fields_len, "{name} size");
    };
    check("ConfigUpdated", ConfigUpdated::DISCRIMINATOR, ConfigUpdated::FIELDS_LEN);
    check("PausedSet", PausedSet::DISCRIMINATOR, PausedSet::FIELDS_LEN);
    check("Staked", Staked::DISCRIMINATOR, Staked::FIELDS_LEN);
    check("UnstakeRequested", UnstakeRequested::DISCRIMINATOR, UnstakeRequested::FIELDS_LEN);
    check("UnstakeCancelled", UnstakeCancelled::DISCRIMINATOR, UnstakeCancelled::FIELDS_LEN);
    check("Withdrawn", Withdrawn::DISCRIMINATOR, Withdrawn::FIELDS_LEN);
    check("Slashed", Slashed::DISCRIMINATOR, Slashed::FIELDS_LEN);
}
