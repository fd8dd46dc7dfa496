//! Leftover placeholders: guides write `<your-namespace>` or `<isvc>` where the reader must fill
//! in a value, and a copied manifest that still holds one applies fine but points nowhere.

use serde_json::Value;

use crate::load::Document;
use crate::problem::Problem;

/// A warning for every string value (in any document) that still holds a `<placeholder>`.
pub fn check(document: &Document) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(&document.yaml.value, String::new(), &mut problems);
    problems
}

fn walk(value: &Value, at: String, problems: &mut Vec<Problem>) {
    match value {
        Value::String(text) => {
            if let Some(placeholder) = find_placeholder(text) {
                problems.push(Problem::warning(
                    "placeholder",
                    at,
                    format!(
                        "`{placeholder}` looks like a placeholder left from a guide; replace it \
                         with the real value"
                    ),
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{at}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                walk(item, child, problems);
            }
        }
        _ => {}
    }
}

/// The first `<word>` in `text`: a letter, then letters, digits, `-`, `_`, `.` or spaces, up to
/// 64 characters. Comparisons such as `a < b > c` have spaces next to the brackets and do not
/// count.
pub fn find_placeholder(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>');
        if let Some(end) = end {
            let inner = &after[..end];
            let first_ok = inner
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic());
            let last_ok = inner.chars().last().is_some_and(|c| c != ' ');
            let body_ok = inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '));
            if first_ok && last_ok && body_ok && inner.len() <= 64 {
                return Some(&rest[start..start + end + 2]);
            }
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::has;
    use crate::problem::Severity;

    #[test]
    fn placeholders_are_found_and_comparisons_are_not() {
        let cases = [
            ("<your-namespace>", Some("<your-namespace>")),
            (
                "http://prometheus.<monitoring-ns>.svc:9090",
                Some("<monitoring-ns>"),
            ),
            ("sum(x{isvc_name=\"<isvc>\"})", Some("<isvc>")),
            ("<model name>", Some("<model name>")),
            ("sum(a) < 3 > 1", None),
            ("a<b", None),
            ("<>", None),
            ("<1abc>", None),
            ("plain", None),
        ];
        for (text, want) in cases {
            assert_eq!(find_placeholder(text), want, "{text}");
        }
    }

    #[test]
    fn placeholders_are_reported_with_their_field() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: <ns>\n";
        assert!(has(
            text,
            Severity::Warning,
            "placeholder",
            "metadata.namespace"
        ));
    }
}
