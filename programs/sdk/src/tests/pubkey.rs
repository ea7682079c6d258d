use crate::Pubkey;

const TOKEN: [u8; 32] = [
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237, 95, 91, 55, 145,
    58, 140, 245, 133, 126, 255, 0, 169,
];

#[test]
fn base58_decodes_at_compile_time() {
    const T: Pubkey = crate::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    assert_eq!(T.0, TOKEN);
    assert_eq!(crate::pubkey!("11111111111111111111111111111111"), Pubkey::default());
}

#[test]
fn base58_round_trips_and_rejects_non_canonical() {
    let t = Pubkey(TOKEN);
    assert_eq!(std::format!("{t}"), "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    assert_eq!(std::format!("{}", Pubkey::default()), "11111111111111111111111111111111");
    assert_eq!(std::format!("{}", Pubkey([0xFF; 32])), "JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG");
    assert_eq!(Pubkey::try_from_base58("JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG"), Some(Pubkey([0xFF; 32])));
    // One '1' too few / too many, a bad character, too large a number.
    assert_eq!(Pubkey::try_from_base58("1111111111111111111111111111111"), None);
    assert_eq!(Pubkey::try_from_base58("111111111111111111111111111111111"), None);
    assert_eq!(Pubkey::try_from_base58("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0"), None);
    assert_eq!(Pubkey::try_from_base58("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), None);
    assert_eq!(Pubkey::try_from_base58(""), None);
}

#[test]
fn equality_compares_every_byte() {
    for i in 0..32 {
        let mut b = TOKEN;
        b[i] ^= 1;
        assert_ne!(Pubkey(b), Pubkey(TOKEN));
    }
    assert_eq!(Pubkey(TOKEN), Pubkey(TOKEN));
}
