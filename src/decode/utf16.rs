//! UTF-16 text (Windows' "Unicode": PowerShell scripts, `.reg` exports, SQL Server and Visual
//! Studio files): found by its byte-order mark, or without one by a NUL in every other byte,
//! and transcoded to UTF-8 for the engine. Lines and columns are those of the text.

use crate::blob::Utf16Order as Order;

/// `bytes` as UTF-8, without the byte-order mark; a unit that is not UTF-16 (a lone
/// surrogate, an odd last byte) becomes U+FFFD.
pub fn transcode(bytes: &[u8], order: Order) -> String {
    let body = match bytes {
        [0xff, 0xfe, rest @ ..] if order == Order::Little => rest,
        [0xfe, 0xff, rest @ ..] if order == Order::Big => rest,
        _ => bytes,
    };
    let units = body.chunks_exact(2).map(|u| match order {
        Order::Little => u16::from_le_bytes([u[0], u[1]]),
        Order::Big => u16::from_be_bytes([u[0], u[1]]),
    });
    let mut out: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if body.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::utf16_order as sniff;

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn finds_and_transcodes_both_orders() {
        let text = "$token = \"abc\"\r\nWrite-Host $token\r\n";
        let mut bom = vec![0xff, 0xfe];
        bom.extend(le(text));
        assert_eq!(sniff(&bom), Some(Order::Little));
        assert_eq!(transcode(&bom, Order::Little), text);
        let plain = le(text);
        assert_eq!(sniff(&plain), Some(Order::Little));
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(sniff(&be), Some(Order::Big));
        assert_eq!(transcode(&be, Order::Big), text);
    }

    #[test]
    fn odd_lengths_and_noise_do_not_fail() {
        let mut odd = le("plain words, nothing more");
        odd.push(b'x');
        assert_eq!(sniff(&odd), Some(Order::Little));
        assert!(transcode(&odd, Order::Little).ends_with('\u{fffd}'));
        let mut rng = crate::testing::Rng::new(9);
        let mut noise = vec![0xff, 0xfe];
        noise.extend(rng.bytes(4097));
        assert_eq!(sniff(&noise), Some(Order::Little));
        let _ = transcode(&noise, Order::Little);
        assert_eq!(sniff(&rng.bytes(4096)), None);
        assert_eq!(sniff(b"plain ASCII text, long enough to look at"), None);
        assert_eq!(sniff(&[0xff, 0xfe, 0, 0, 1, 0, 0, 0]), None);
    }
}
