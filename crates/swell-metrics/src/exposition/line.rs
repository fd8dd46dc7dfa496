//! One line of the exposition format: a comment (`# HELP`, `# TYPE`, `# UNIT`, `# EOF`) or a
//! sample (`name{labels} value [timestamp] [# exemplar]`), scanned byte by byte without
//! allocating. Labels are validated here and kept as the raw text between the braces.

use std::borrow::Cow;

use super::Sample;

/// What a comment line holds.
pub(super) enum Comment<'a> {
    /// `# EOF`: the end of an OpenMetrics page.
    Eof,
    /// `# HELP`, `# TYPE` or `# UNIT` for a family.
    Meta {
        /// `HELP`, `TYPE` or `UNIT`.
        keyword: &'a str,
        /// The family name.
        name: &'a str,
        /// The help text (escaped), type name or unit.
        rest: &'a str,
    },
    /// Any other comment.
    Other,
}

/// Parses the text after a line's leading `#`.
pub(super) fn comment(text: &str) -> Result<Comment<'_>, String> {
    let Some(body) = text.strip_prefix([' ', '\t']) else {
        return Ok(Comment::Other);
    };
    let body = body.trim_start_matches([' ', '\t']);
    if body.trim_end() == "EOF" {
        return Ok(Comment::Eof);
    }
    let (keyword, after) = body.split_once([' ', '\t']).unwrap_or((body, ""));
    if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
        return Ok(Comment::Other);
    }
    let after = after.trim_start_matches([' ', '\t']);
    let name_len = name_length(after.as_bytes());
    let name = &after[..name_len];
    if name.is_empty() {
        return Err(format!("`# {keyword}` needs a metric name"));
    }
    let rest = &after[name_len..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return Err(format!("invalid metric name in `# {keyword}`"));
    }
    let rest = match keyword {
        // Help text keeps everything after the single separating blank.
        "HELP" => rest.strip_prefix([' ', '\t']).unwrap_or(rest),
        _ => rest.trim_matches([' ', '\t']),
    };
    Ok(Comment::Meta {
        keyword,
        name,
        rest,
    })
}

/// Length of the metric name at the start of `bytes`: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn name_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' || *b == b':' => {}
        _ => return 0,
    }
    1 + bytes[1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b':')
        .count()
}

/// Length of a label name at the start of `bytes`: `[a-zA-Z_][a-zA-Z0-9_]*`.
fn label_name_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
        _ => return 0,
    }
    1 + bytes[1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count()
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    i
}

/// Parses a sample line.
pub(super) fn sample(line: &str) -> Result<Sample<'_>, String> {
    let bytes = line.as_bytes();
    let name_len = name_length(bytes);
    if name_len == 0 {
        return Err(format!("expected a metric name, found `{}`", preview(line)));
    }
    let name = &line[..name_len];
    let mut i = name_len;

    let mut labels = Labels { raw: "" };
    let brace = skip_blanks(bytes, name_len);
    if bytes.get(brace) == Some(&b'{') {
        let end = scan_labels(bytes, brace + 1)?;
        labels = Labels {
            raw: &line[brace + 1..end],
        };
        i = end + 1;
    }

    let value_start = skip_blanks(bytes, i);
    if value_start == i && i < bytes.len() {
        return Err(format!("expected a blank before the value of `{name}`"));
    }
    let (value_text, after_value) = token(line, value_start);
    if value_text.is_empty() {
        return Err(format!("`{name}` has no value"));
    }
    let value = parse_number(value_text)
        .ok_or_else(|| format!("`{name}` has an invalid value `{}`", preview(value_text)))?;

    let mut timestamp = None;
    let next = skip_blanks(bytes, after_value);
    if next < bytes.len() && bytes[next] != b'#' {
        let (ts_text, after_ts) = token(line, next);
        timestamp =
            Some(parse_number(ts_text).ok_or_else(|| {
                format!("`{name}` has an invalid timestamp `{}`", preview(ts_text))
            })?);
        let rest = skip_blanks(bytes, after_ts);
        if rest < bytes.len() && bytes[rest] != b'#' {
            return Err(format!("unexpected text after the timestamp of `{name}`"));
        }
    }
    // Anything from `#` on is an OpenMetrics exemplar, which swell does not use.
    Ok(Sample {
        name,
        labels,
        value,
        timestamp,
    })
}

/// The token starting at `start` (up to a blank or the end), and the index after it.
fn token(line: &str, start: usize) -> (&str, usize) {
    let bytes = line.as_bytes();
    let mut end = start;
    while end < bytes.len() && bytes[end] != b' ' && bytes[end] != b'\t' {
        end += 1;
    }
    (&line[start..end], end)
}

/// A float as Prometheus writes it: decimal, exponent, `NaN`, `+Inf`, `-Inf`.
fn parse_number(text: &str) -> Option<f64> {
    // Rust's parser also takes `inf`/`infinity` in any case, as Go's does.
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'));
    if !ok {
        return None;
    }
    text.parse().ok()
}

/// Validates labels starting after `{`; returns the index of the closing `}`.
fn scan_labels(bytes: &[u8], mut i: usize) -> Result<usize, String> {
    loop {
        i = skip_blanks(bytes, i);
        match bytes.get(i) {
            Some(b'}') => return Ok(i),
            None => return Err("unterminated label set: missing `}`".to_string()),
            _ => {}
        }
        let len = label_name_length(&bytes[i..]);
        if len == 0 {
            return Err(format!("invalid label name at column {}", i + 1));
        }
        i = skip_blanks(bytes, i + len);
        if bytes.get(i) != Some(&b'=') {
            return Err(format!(
                "expected `=` after a label name at column {}",
                i + 1
            ));
        }
        i = skip_blanks(bytes, i + 1);
        if bytes.get(i) != Some(&b'"') {
            return Err(format!("expected a quoted label value at column {}", i + 1));
        }
        i += 1;
        loop {
            match bytes.get(i) {
                None => return Err("unterminated label value".to_string()),
                Some(b'"') => break,
                Some(b'\\') => match bytes.get(i + 1) {
                    Some(b'\\' | b'"' | b'n') => i += 2,
                    _ => {
                        return Err(format!(
                            "invalid escape in a label value at column {}",
                            i + 1
                        ));
                    }
                },
                Some(_) => i += 1,
            }
        }
        i = skip_blanks(bytes, i + 1);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Ok(i),
            _ => {
                return Err(format!(
                    "expected `,` or `}}` after a label value at column {}",
                    i + 1
                ));
            }
        }
    }
}

fn preview(text: &str) -> &str {
    let end = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// A sample's label set: the validated text between `{` and `}`, read on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Labels<'a> {
    raw: &'a str,
}

impl<'a> Labels<'a> {
    /// The label set as written (without braces).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The labels in page order.
    pub fn iter(&self) -> LabelIter<'a> {
        LabelIter { rest: self.raw }
    }

    /// The value of label `name`.
    pub fn get(&self, name: &str) -> Option<LabelValue<'a>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Iterates over validated labels.
#[derive(Clone, Debug)]
pub struct LabelIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for LabelIter<'a> {
    type Item = (&'a str, LabelValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.rest.as_bytes();
        let start = skip_blanks(bytes, 0);
        let len = label_name_length(&bytes[start..]);
        if len == 0 {
            return None;
        }
        let name = &self.rest[start..start + len];
        let open = self.rest[start + len..].find('"')? + start + len + 1;
        let mut i = open;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let value = LabelValue {
            raw: &self.rest[open..i.min(bytes.len())],
        };
        let after = skip_blanks(bytes, (i + 1).min(bytes.len()));
        let after = if bytes.get(after) == Some(&b',') {
            after + 1
        } else {
            after
        };
        self.rest = &self.rest[after.min(bytes.len())..];
        Some((name, value))
    }
}

/// A label value as written, escapes unresolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelValue<'a> {
    raw: &'a str,
}

impl<'a> LabelValue<'a> {
    /// The value as written between the quotes.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value with `\\`, `\"` and `\n` resolved; borrowed when there is no escape.
    pub fn unescaped(&self) -> Cow<'a, str> {
        unescape(self.raw, true)
    }

    /// Whether the unescaped value equals `text`, without allocating.
    pub fn is(&self, text: &str) -> bool {
        if !self.raw.contains('\\') {
            return self.raw == text;
        }
        self.unescaped() == text
    }
}

/// Resolves `\\`, `\n` and (in label values) `\"`; other backslashes are kept as written.
pub(super) fn unescape(raw: &str, quotes: bool) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}
