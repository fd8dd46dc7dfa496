//! YAML documents with their source lines: each document becomes a JSON value (what `kubectl`
//! sends to the API server) plus an index from field path to the line it was written on.
//!
//! serde-saphyr parses the YAML; a small node tree with [`Spanned`] locations carries the lines
//! through, so that every later error can say "line 14" as well as
//! `spec.triggers[0].metadata.threshold`. Scalars keep their YAML type (`5` is a number, `"5"`
//! a string) because the API server rejects a number where its schema wants a string.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

/// One parsed YAML document.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlDocument {
    /// The document as the API server would see it after `kubectl` converts YAML to JSON.
    pub value: Value,
    /// Field path (`spec.triggers[0].type`) → 1-based line of its value.
    pub lines: BTreeMap<String, u32>,
    /// 1-based line where the document starts.
    pub start_line: u32,
    /// Field path → the text of a plain scalar that YAML 1.1 (and so kubectl) reads as a
    /// boolean although it is not `true`/`false`, e.g. `y`, `no`, `On`; for messages that say
    /// why a value became a boolean.
    pub yaml11_booleans: BTreeMap<String, String>,
}

impl YamlDocument {
    /// The line of `path`, or of its closest ancestor that has one.
    pub fn line_of(&self, path: &str) -> Option<u32> {
        let mut path = path;
        loop {
            if let Some(line) = self.lines.get(path) {
                return Some(*line);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    /// What the parser said.
    pub message: String,
    /// 1-based line, when the parser knows it.
    pub line: Option<u32>,
}

/// Parses every document of a multi-document YAML stream. Empty documents are skipped.
pub fn parse_documents(source: &str) -> Result<Vec<YamlDocument>, YamlError> {
    let nodes: Vec<Spanned<Node>> =
        serde_saphyr::from_multiple(source).map_err(|err| YamlError {
            message: err.without_snippet().to_string(),
            line: err
                .location()
                .and_then(|loc| u32::try_from(loc.line()).ok()),
        })?;
    Ok(nodes
        .into_iter()
        .filter(|node| !matches!(node.value, Node::Null))
        .map(|node| {
            let start_line = line_of(&node);
            let mut index = Index {
                source,
                lines: BTreeMap::new(),
                yaml11_booleans: BTreeMap::new(),
            };
            let value = to_json(node, String::new(), &mut index);
            YamlDocument {
                value,
                lines: index.lines,
                start_line,
                yaml11_booleans: index.yaml11_booleans,
            }
        })
        .collect())
}

fn line_of(node: &Spanned<Node>) -> u32 {
    u32::try_from(node.referenced.line()).unwrap_or(u32::MAX)
}

/// What is collected while converting one document.
struct Index<'a> {
    source: &'a str,
    lines: BTreeMap<String, u32>,
    yaml11_booleans: BTreeMap<String, String>,
}

/// The plain scalars go-yaml v2 (kubectl's YAML reader, via sigs.k8s.io/yaml) reads as
/// booleans. serde-saphyr also accepts other letter cases (`yEs`), which kubectl keeps as
/// strings.
const KUBECTL_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF",
];

/// The source text of a scalar node, when its span is known.
fn scalar_text<'a>(node: &Spanned<Node>, source: &'a str) -> Option<&'a str> {
    let span = node.referenced.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    source.get(start..start.checked_add(len)?).map(str::trim)
}

fn to_json(node: Spanned<Node>, path: String, index: &mut Index<'_>) -> Value {
    let line = line_of(&node);
    if line > 0 {
        index.lines.insert(path.clone(), line);
    }
    if let Node::Bool(b) = node.value {
        // Keep kubectl's reading: go-yaml's YAML 1.1 spellings are booleans, others strings.
        return match scalar_text(&node, index.source) {
            Some(text) if !KUBECTL_BOOLEANS.contains(&text) => Value::String(text.to_string()),
            Some(text) => {
                if !matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
                    index.yaml11_booleans.insert(path, text.to_string());
                }
                Value::Bool(b)
            }
            None => Value::Bool(b),
        };
    }
    match node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::from(i),
        Node::Uint(u) => Value::from(u),
        // Non-finite floats have no JSON form; kubectl cannot send them either.
        Node::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Node::String(s) => Value::String(s),
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| to_json(item, format!("{path}[{i}]"), index))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (key, item) in entries {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                map.insert(key, to_json(item, child, index));
            }
            Value::Object(map)
        }
    }
}

/// A YAML node with its YAML type kept.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    String(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(String, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Uint(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        // Out of JSON's range: kept as text so nothing is lost silently.
        Ok(i64::try_from(v).map_or_else(|_| Node::String(v.to_string()), Node::Int))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or_else(|_| Node::String(v.to_string()), Node::Uint))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::String(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(String, Spanned<Node>)> = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let key = key_text(key);
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// JSON keys are strings; YAML allows any scalar (kubectl stringifies them the same way).
fn key_text(key: Node) -> String {
    match key {
        Node::Null => "null".to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => u.to_string(),
        Node::Float(f) => f.to_string(),
        Node::String(s) => s,
        Node::Seq(_) | Node::Map(_) => "<complex key>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_yaml_type() {
        let docs = parse_documents("a: 5\nb: \"5\"\nc: true\nd: ~\ne: 1.5\nf: yes\n").unwrap();
        let v = &docs[0].value;
        assert_eq!(v["a"], Value::from(5));
        assert_eq!(v["b"], Value::from("5"));
        assert_eq!(v["c"], Value::from(true));
        assert_eq!(v["d"], Value::Null);
        assert_eq!(v["e"], Value::from(1.5));
        // YAML 1.1 booleans, as kubectl's YAML reader treats them.
        assert_eq!(v["f"], Value::from(true));
    }

    #[test]
    fn booleans_follow_kubectl_and_remember_their_spelling() {
        let docs = parse_documents("a: {name: y}\nb: yEs\nc: \"y\"\nd: Off\ne: true\n").unwrap();
        let doc = &docs[0];
        assert_eq!(doc.value["a"]["name"], Value::from(true));
        assert_eq!(
            doc.yaml11_booleans.get("a.name").map(String::as_str),
            Some("y")
        );
        // go-yaml v2 has no mixed-case spellings: kubectl keeps `yEs` a string.
        assert_eq!(doc.value["b"], Value::from("yEs"));
        assert_eq!(doc.value["c"], Value::from("y"));
        assert_eq!(doc.value["d"], Value::from(false));
        assert_eq!(
            doc.yaml11_booleans.get("d").map(String::as_str),
            Some("Off")
        );
        assert!(!doc.yaml11_booleans.contains_key("e"));
    }

    #[test]
    fn lines_are_indexed_by_field_path() {
        let src = "kind: X\nspec:\n  triggers:\n  - type: prometheus\n    metadata:\n      q: x\n";
        let docs = parse_documents(src).unwrap();
        let doc = &docs[0];
        assert_eq!(doc.line_of("kind"), Some(1));
        assert_eq!(doc.line_of("spec.triggers[0].type"), Some(4));
        assert_eq!(doc.line_of("spec.triggers[0].metadata.q"), Some(6));
        // A missing field falls back to its closest ancestor.
        assert_eq!(doc.line_of("spec.triggers[0].metadata.threshold"), Some(6));
    }

    #[test]
    fn documents_are_split_and_empty_ones_skipped() {
        let src = "a: 1\n---\n---\n# only a comment\n---\nb: 2\n";
        let docs = parse_documents(src).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].value["b"], Value::from(2));
        assert_eq!(docs[1].start_line, 6);
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = parse_documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
    }
}
