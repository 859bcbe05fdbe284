//! A small, strict JSON reader and an object writer: JWT payloads and headers, token, device and key-set
//! responses, stored records and token sets, and the options and results that cross to JS.
//!
//! Why not serde_json: it roughly doubles the shipped wasm, and the JS engine's own `JSON.parse` already
//! builds the objects users see. This reader only validates and extracts the few typed fields the protocol
//! logic needs. It accepts a strict subset of what `JSON.parse` accepts (RFC 8259; lone surrogates and
//! nesting deeper than [`MAX_DEPTH`] are refused), so text that passes here never makes `JSON.parse` throw.
//!
//! Numbers are kept as `f64` built from their digits; the protocol only needs integer seconds, which are
//! exact up to 2^53.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting of arrays and objects read; deeper text is refused (no protocol value nests past 3).
pub const MAX_DEPTH: u32 = 32;

/// A JSON value. Strings borrow from the text unless they had escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the nearest `f64` (exact for integers up to 2^53).
    Num(f64),
    /// A string, unescaped.
    Str(Cow<'a, str>),
    /// An array.
    Arr(Vec<Value<'a>>),
    /// An object's members in their order, as written (see [`parse_object`] for duplicates).
    Obj(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// Member of an object by key (the first one; duplicates are refused by [`parse_object`]).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Why the text is not acceptable JSON. Static text: the input is never echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError(pub &'static str);

/// Parses a complete JSON text (whitespace around it allowed, nothing else). Errors: [`ParseError`],
/// for anything `JSON.parse` refuses, lone surrogates, nesting deeper than [`MAX_DEPTH`], and numbers
/// beyond `f64`.
pub fn parse(src: &str) -> Result<Value<'_>, ParseError> {
    let mut p = Parser { src, pos: 0, depth: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos != src.len() {
        return Err(ParseError("unexpected text after the JSON value"));
    }
    Ok(v)
}

/// Most members a top-level object may have (a CC token has about 13); bounds the duplicate check.
pub const MAX_MEMBERS: usize = 256;

/// Parses a JSON text that must be an object whose keys are all distinct. Duplicate keys are refused
/// because `JSON.parse` keeps the last one and a checker that read the first could be fooled.
pub fn parse_object(src: &str) -> Result<Value<'_>, ParseError> {
    let v = parse(src)?;
    let Value::Obj(members) = &v else {
        return Err(ParseError("not a JSON object"));
    };
    if members.len() > MAX_MEMBERS {
        return Err(ParseError("too many members"));
    }
    // Pairwise: at most 256 members, and no sort routine in the wasm.
    for (i, (k, _)) in members.iter().enumerate() {
        if members.iter().skip(i + 1).any(|(other, _)| other == k) {
            return Err(ParseError("duplicate member name"));
        }
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    // The reader's innermost helpers, forced inline: at opt-level z they were calls per byte.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, ParseError> {
        if self.src.as_bytes().get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(ParseError("invalid literal"))
        }
    }

    fn value(&mut self) -> Result<Value<'a>, ParseError> {
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(ParseError("unexpected character")),
            None => Err(ParseError("unexpected end of JSON")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value<'a>, ParseError>) -> Result<Value<'a>, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError("JSON nested too deeply"));
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Value<'a>, ParseError> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(Value::Obj(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(ParseError("expected a member name"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return Err(ParseError("expected ':'"));
            }
            self.ws();
            let v = self.value()?;
            members.push((k, v));
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return Ok(Value::Obj(members));
            }
            return Err(ParseError("expected ',' or '}'"));
        }
    }

    fn array(&mut self) -> Result<Value<'a>, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(Value::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(Value::Arr(items));
            }
            return Err(ParseError("expected ',' or ']'"));
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes, borrow the slice.
        loop {
            match self.peek() {
                None => return Err(ParseError("unterminated string")),
                Some(b'"') => {
                    let s = self.src.get(start..self.pos).ok_or(ParseError("invalid string"))?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err(ParseError("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.src.get(start..self.pos).ok_or(ParseError("invalid string"))?);
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.src.get(run_start..self.pos).ok_or(ParseError("invalid string"))?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.peek().ok_or(ParseError("unterminated string"))?;
                    self.pos += 1;
                    let ch = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(ParseError("invalid escape")),
                    };
                    out.push(ch);
                }
                Some(_) => return Err(ParseError("control character in string")),
                None => return Err(ParseError("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.src.get(self.pos..self.pos + 4).ok_or(ParseError("invalid \\u escape"))?;
        let mut v = 0u32;
        for b in digits.bytes() {
            let d = (b as char).to_digit(16).ok_or(ParseError("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by an escaped low surrogate.
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(ParseError("lone surrogate in string"));
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(ParseError("lone surrogate in string"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or(ParseError("lone surrogate in string"))
    }

    /// Reads a run of digits into `m`, keeping 19 significant digits exactly (a u64); a digit past them
    /// only moves the decimal point. Returns how far the point moves: in the integer part by one per
    /// dropped digit, in the fraction by minus one per kept digit.
    fn digits(&mut self, m: &mut u64, fraction: bool) -> i32 {
        let mut shift = 0i32;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            let keep = *m < 1_000_000_000_000_000_000;
            if keep {
                *m = *m * 10 + u64::from(b - b'0');
            }
            if keep == fraction {
                shift = shift.saturating_add(if fraction { -1 } else { 1 });
            }
            self.pos += 1;
        }
        shift
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let negative = self.eat(b'-');
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(ParseError("leading zero in number"));
                }
            }
            Some(b'1'..=b'9') => {}
            _ => return Err(ParseError("invalid number")),
        }
        let mut mantissa = 0u64;
        let mut exp10 = self.digits(&mut mantissa, false);
        if self.eat(b'.') {
            let before = self.pos;
            exp10 = exp10.saturating_add(self.digits(&mut mantissa, true));
            if self.pos == before {
                return Err(ParseError("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            let neg_exp = if self.eat(b'-') {
                true
            } else {
                self.eat(b'+');
                false
            };
            let before = self.pos;
            let mut e: i32 = 0;
            while let Some(b @ b'0'..=b'9') = self.peek() {
                e = e.saturating_mul(10).saturating_add(i32::from(b - b'0'));
                self.pos += 1;
            }
            if self.pos == before {
                return Err(ParseError("invalid number"));
            }
            exp10 = if neg_exp { exp10.saturating_sub(e) } else { exp10.saturating_add(e) };
        }
        let mut v = scale(mantissa, exp10);
        // Beyond f64 (1e400): refused, as serde_json does; no protocol value is anywhere near it.
        if !v.is_finite() {
            return Err(ParseError("number out of range"));
        }
        if negative {
            v = -v;
        }
        Ok(Value::Num(v))
    }
}

/// Writes one JSON object, member by member; absent (`None`) members are left out. Results cross to JS as
/// one such text, parsed once by the engine, instead of one boundary crossing per field.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Starts an object at the end of `out`; [`ObjectWriter::end`] closes it.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_str(self.out, key);
        self.out.push(':');
        self.out
    }

    /// A string member.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_str(out, value);
        self
    }

    /// A string member, left out when `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// A whole-number member (seconds, versions: exact in JS up to 2^53).
    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        let digits = crate::error::decimal(value);
        self.key(key).push_str(&digits);
        self
    }

    /// A signed whole number (a clock offset).
    pub fn int(&mut self, key: &str, value: i64) -> &mut Self {
        let out = self.key(key);
        if value < 0 {
            out.push('-');
        }
        out.push_str(&crate::error::decimal(value.unsigned_abs()));
        self
    }

    /// A `true`/`false` member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A whole-number member, left out when `None`.
    pub fn opt_num(&mut self, key: &str, value: Option<u64>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, v);
        }
        self
    }

    /// An array-of-strings member.
    pub fn strs<S: AsRef<str>>(&mut self, key: &str, items: &[S]) -> &mut Self {
        let out = self.key(key);
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, item.as_ref());
        }
        out.push(']');
        self
    }

    /// A member whose value is already JSON text (validated by this module's reader).
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// Closes the object.
    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Runs of plain characters are copied whole (a push per character is slow at opt-level z). Only
    // ASCII bytes are ever escaped, so every cut below is at a char boundary.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.push_str(s.get(start..i).unwrap_or_default());
            start = i + 1;
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                c => {
                    out.push_str("\\u00");
                    out.push(HEX.get(usize::from(c >> 4)).map_or('0', |&h| h as char));
                    out.push(HEX.get(usize::from(c & 15)).map_or('0', |&h| h as char));
                }
            }
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// `m` × 10^`e`. Exact, then rounded once, when `m` ≤ 2^53 and |e| ≤ 22 (10^22 is the largest exact
/// power): every integer and short decimal the protocol reads. Otherwise within a few ulps, and in two
/// steps below 10^-308 so that a subnormal result is not lost to 10^e overflowing first.
fn scale(m: u64, e: i32) -> f64 {
    let m = m as f64;
    if m == 0.0 {
        return 0.0; // not 0 × ∞ (NaN) for 0e999
    }
    let e = e.clamp(-800, 400);
    if e >= 0 {
        m * pow10(e.unsigned_abs())
    } else if e >= -308 {
        m / pow10(e.unsigned_abs())
    } else {
        m / 1e308 / pow10(e.unsigned_abs() - 308)
    }
}

/// 10^n; infinity beyond 10^308.
fn pow10(n: u32) -> f64 {
    let mut r = 1.0f64;
    let mut base = 10.0f64;
    let mut n = n.min(400);
    while n > 0 {
        if n & 1 == 1 {
            r *= base;
        }
        base *= base;
        n >>= 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> f64 {
        match parse(s) {
            Ok(Value::Num(n)) => n,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn reads_numbers_exactly_for_integer_seconds() {
        assert_eq!(num("1795540450"), 1_795_540_450.0);
        assert_eq!(num("1.79554045e9"), 1_795_540_450.0);
        assert_eq!(num("1795540450.75"), 1_795_540_450.75);
        assert_eq!(num("-0"), 0.0);
        assert_eq!(num("0.5E+1"), 5.0);
        assert_eq!(parse("1e400"), Err(ParseError("number out of range")), "as serde_json: beyond f64");
        assert_eq!(num("1e-400"), 0.0);
    }

    #[test]
    fn reads_numbers_at_the_edges_of_f64() {
        // json_diff found these read as 0 (10^e overflowed before m was divided by it) or refused (the
        // digits overflowed before the exponent brought them back).
        assert_eq!(num("2.2250738585072014e-308"), f64::MIN_POSITIVE);
        assert_eq!(num("1e-320"), 1e-320);
        assert_eq!(num("5e-324"), 5e-324);
        assert_eq!(num("2e-324"), 0.0);
        assert_eq!(num(&format!("1{}e-390", "0".repeat(400))), 1e10);
        assert!((num(&format!("0.{}", "1".repeat(400))) - 1.0 / 9.0).abs() < 1e-16);
        assert_eq!(num(&format!("{}.5", "9".repeat(30))), 1e30);
        assert_eq!(num("0e999999999999"), 0.0);
        assert!((num("1.7976931348623157e307") / 1.797_693_134_862_315_7e307 - 1.0).abs() < 1e-15);
        // Exact for integers past 2^53 too, as far as 19 digits: one rounding, from the exact u64.
        assert_eq!(num("18446744073709551"), 18_446_744_073_709_551.0);
        assert_eq!(num("1000e-1"), 100.0);
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "[1,]",
            "{\"a\":1,}",
            "{'a':1}",
            "\"\\x\"",
            "\"a\nb\"",
            "nul",
            "tru",
            "{\"a\"}",
            "[1 2]",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "1 2",
            "NaN",
            "Infinity",
            "\"unterminated",
            "{\"a\":1",
            "[",
            "\"\\u12\"",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn reads_strings_and_escapes() {
        let v = parse(r#"{"a":"x\"y\\z\/\n\u00e9\ud83d\ude00","b":[true,false,null,{}],"c":""}"#).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_str), Some("x\"y\\z/\né😀"));
        assert_eq!(
            v.get("b"),
            Some(&Value::Arr(vec![Value::Bool(true), Value::Bool(false), Value::Null, Value::Obj(vec![])]))
        );
        assert_eq!(v.get("c").and_then(Value::as_str), Some(""));
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn limits_depth_without_recursing_forever() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep), Err(ParseError("JSON nested too deeply")));
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .str("a", "q\"b\\s\n\u{1}é😀")
            .opt_str("skip", None)
            .num("n", 1_795_540_450)
            .opt_num("m", Some(0))
            .strs("l", &["x", "y"])
            .strs::<&str>("e", &[])
            .raw("r", r#"{"k":[1,true,null]}"#)
            .end();
        assert_eq!(
            out,
            r#"{"a":"q\"b\\s\n\u0001é😀","n":1795540450,"m":0,"l":["x","y"],"e":[],"r":{"k":[1,true,null]}}"#
        );
        let v = parse_object(&out).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_str), Some("q\"b\\s\n\u{1}é😀"));
        let mut empty = String::new();
        ObjectWriter::new(&mut empty).end();
        assert_eq!(empty, "{}");
    }

    #[test]
    fn objects_must_be_objects_with_distinct_keys() {
        assert!(parse_object("{\"a\":1,\"b\":2}").is_ok());
        assert_eq!(parse_object("{\"a\":1,\"a\":2}"), Err(ParseError("duplicate member name")));
        assert_eq!(parse_object("[1]"), Err(ParseError("not a JSON object")));
        assert_eq!(parse_object("\"s\""), Err(ParseError("not a JSON object")));
    }
}
