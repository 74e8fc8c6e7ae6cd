//! String order identical to JavaScript's `a < b`.
//!
//! JavaScript compares strings by UTF-16 code units; Rust's `str::cmp` compares UTF-8 bytes,
//! which is code point order. The two differ only when a supplementary character (U+10000 and
//! up, a surrogate pair in UTF-16) meets a BMP character in U+E000..=U+FFFF at the first
//! difference. Node names are ASCII in practice, but the tie-break must be the same as the
//! TypeScript twin's for any input.

use std::cmp::Ordering;

/// The first UTF-16 code unit of `c`: the high surrogate for supplementary characters.
#[inline]
fn first_utf16_unit(c: char) -> u32 {
    let cp = c as u32;
    if cp >= 0x1_0000 {
        0xD800 + ((cp - 0x1_0000) >> 10)
    } else {
        cp
    }
}

/// Compares two strings the way JavaScript's relational operators do (UTF-16 code unit order).
///
/// Linear in the common prefix; allocation-free.
pub fn cmp_js(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let Some(i) = ab.iter().zip(bb).position(|(x, y)| x != y) else {
        // One is a prefix of the other (or they are equal): the shorter sorts first.
        return ab.len().cmp(&bb.len());
    };
    if ab[i] < 0x80 && bb[i] < 0x80 {
        return ab[i].cmp(&bb[i]);
    }
    // Back up to the start of the character holding the first differing byte. The prefix is
    // shared, so the boundary is the same in both strings.
    let mut start = i;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    let (Some(ca), Some(cb)) = (a[start..].chars().next(), b[start..].chars().next()) else {
        unreachable!("a differing byte lies inside a character of both strings")
    };
    let supplementary = (ca as u32 >= 0x1_0000, cb as u32 >= 0x1_0000);
    if supplementary.0 != supplementary.1 {
        // A surrogate (0xD800..=0xDBFF) against a BMP unit; they cannot be equal.
        first_utf16_unit(ca).cmp(&first_utf16_unit(cb))
    } else {
        // Both BMP, or both surrogate pairs: code point order equals code unit order.
        ca.cmp(&cb)
    }
}

#[cfg(test)]
mod tests {
    use super::cmp_js;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
        a.encode_utf16().cmp(b.encode_utf16())
    }

    #[test]
    fn ascii_order_and_prefixes() {
        assert_eq!(cmp_js("node-1", "node-2"), Less);
        assert_eq!(cmp_js("node-10", "node-2"), Less);
        assert_eq!(cmp_js("node", "node-1"), Less);
        assert_eq!(cmp_js("node-1", "node"), Greater);
        assert_eq!(cmp_js("a", "a"), Equal);
        assert_eq!(cmp_js("", "a"), Less);
        assert_eq!(cmp_js("B", "a"), Less);
    }

    #[test]
    fn supplementary_sorts_before_private_use_like_javascript() {
        // In UTF-16, U+1F600 is D83D DE00, which sorts before U+FF21 (and U+E000).
        assert_eq!(cmp_js("x\u{1F600}", "x\u{FF21}"), Less);
        assert_eq!(cmp_js("x\u{E000}", "x\u{10000}"), Greater);
        // Code point order would say the opposite.
        assert_eq!("x\u{1F600}".cmp("x\u{FF21}"), Greater);
    }

    #[test]
    fn agrees_with_utf16_on_a_mixed_alphabet() {
        let alphabet = [
            "",
            "a",
            "z",
            "é",
            "\u{7FF}",
            "\u{800}",
            "\u{D7FF}",
            "\u{E000}",
            "\u{FFFF}",
            "\u{10000}",
            "\u{1F600}",
            "\u{10FFFF}",
        ];
        let mut words = Vec::new();
        for x in alphabet {
            for y in alphabet {
                words.push(format!("n{x}{y}"));
            }
        }
        for a in &words {
            for b in &words {
                assert_eq!(cmp_js(a, b), utf16_cmp(a, b), "{a:?} vs {b:?}");
            }
        }
    }
}
