//! How many series a PromQL query can return. KEDA's Prometheus scaler fails when a query
//! returns more than one series ("returned multiple elements") and cannot read scalar or range
//! results, so a bare `vllm:num_requests_running{...}` works while one pod is scraped and fails
//! at the second. The query is parsed with `promql-parser`; nothing is sent anywhere.

use promql_parser::parser::{self, Expr, LabelModifier};

/// What the result of a query looks like to KEDA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryShape {
    /// At most one series: fine.
    Single,
    /// Possibly several series; the string says where they come from.
    Multiple(String),
    /// A scalar or string result, which KEDA cannot decode.
    Scalar,
    /// A range vector (matrix), which KEDA reads as an empty value.
    Range,
}

/// Parses `query` and says what it returns; `Err` holds the parser's message.
pub fn shape(query: &str) -> Result<QueryShape, String> {
    let expr = parser::parse(query)?;
    Ok(shape_of(&expr))
}

fn shape_of(expr: &Expr) -> QueryShape {
    match expr {
        Expr::Aggregate(aggregate) => {
            let op = aggregate.op.to_string();
            match (&aggregate.modifier, op.as_str()) {
                (_, "count_values") => QueryShape::Multiple(
                    "`count_values` returns one series per distinct value".to_string(),
                ),
                (Some(LabelModifier::Exclude(_)), _) => QueryShape::Multiple(format!(
                    "`{op} without (...)` keeps one series per remaining label set"
                )),
                (Some(LabelModifier::Include(labels)), _) if !labels.labels.is_empty() => {
                    QueryShape::Multiple(format!(
                        "`{op} by ({})` returns one series per label value",
                        labels.labels.join(", ")
                    ))
                }
                // topk/bottomk/limitk(k, ...) return up to k series.
                (_, "topk" | "bottomk" | "limitk") => match aggregate.param.as_deref() {
                    Some(Expr::NumberLiteral(k)) if k.val <= 1.0 => QueryShape::Single,
                    _ => QueryShape::Multiple(format!("`{op}` returns up to k series")),
                },
                (_, "limit_ratio") => {
                    QueryShape::Multiple("`limit_ratio` keeps a share of the series".to_string())
                }
                _ => QueryShape::Single,
            }
        }
        Expr::Paren(paren) => shape_of(&paren.expr),
        Expr::Unary(unary) => shape_of(&unary.expr),
        Expr::Binary(binary) => {
            let (lhs, rhs) = (shape_of(&binary.lhs), shape_of(&binary.rhs));
            match (lhs, rhs) {
                (QueryShape::Scalar, QueryShape::Scalar) => QueryShape::Scalar,
                (QueryShape::Scalar, other) | (other, QueryShape::Scalar) => other,
                (QueryShape::Single, QueryShape::Single) => QueryShape::Single,
                (QueryShape::Range, _) | (_, QueryShape::Range) => QueryShape::Range,
                (QueryShape::Multiple(why), _) | (_, QueryShape::Multiple(why)) => {
                    QueryShape::Multiple(why)
                }
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => QueryShape::Scalar,
        Expr::VectorSelector(selector) => QueryShape::Multiple(format!(
            "`{}` has no aggregation and returns one series per scraped target",
            selector.name.as_deref().unwrap_or("the selector")
        )),
        Expr::MatrixSelector(_) | Expr::Subquery(_) => QueryShape::Range,
        Expr::Call(call) => match call.func.name {
            "vector" | "absent" | "absent_over_time" => QueryShape::Single,
            // The quantile folds the `le` buckets: `sum by (le) (...)` gives one series.
            "histogram_quantile" => match call.args.args.get(1).map(|a| strip_parens(a)) {
                Some(Expr::Aggregate(aggregate))
                    if matches!(&aggregate.modifier, Some(LabelModifier::Include(l))
                        if l.labels.iter().all(|name| name == "le")) =>
                {
                    QueryShape::Single
                }
                Some(other) => shape_of(other),
                None => QueryShape::Scalar,
            },
            "scalar" | "time" | "pi" => QueryShape::Scalar,
            // Most functions keep the series of their vector argument (`rate`, `abs`,
            // `histogram_quantile`, `clamp_max`, ...); follow the first vector-like argument.
            _ => call
                .args
                .args
                .iter()
                .map(|arg| match shape_of(arg) {
                    // A range argument (`rate(x[5m])`) gives an instant vector per series.
                    QueryShape::Range => range_argument_shape(arg),
                    other => other,
                })
                .find(|s| *s != QueryShape::Scalar)
                .unwrap_or(QueryShape::Scalar),
        },
        Expr::Extension(_) => QueryShape::Single,
    }
}

fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => strip_parens(&paren.expr),
        other => other,
    }
}

/// The series of `f(x[5m])`: one per series of `x`.
fn range_argument_shape(arg: &Expr) -> QueryShape {
    match arg {
        Expr::MatrixSelector(matrix) => shape_of(&Expr::VectorSelector(matrix.vs.clone())),
        Expr::Subquery(subquery) => shape_of(&subquery.expr),
        Expr::Paren(paren) => range_argument_shape(&paren.expr),
        other => shape_of(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_promql_semantics() {
        let single = [
            "sum(vllm:num_requests_running{namespace=\"llm\"})",
            "sum(vllm:num_requests_waiting) or vector(0)",
            "max(rate(vllm:request_success_total[1m]))",
            "sum(rate(x[5m])) / sum(rate(y[5m]))",
            "sum by () (x)",
            "histogram_quantile(0.9, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket[1m])))",
            "topk(1, x)",
            "avg(x) * 2",
            "vector(1)",
            "-sum(x)",
        ];
        for query in single {
            assert_eq!(shape(query), Ok(QueryShape::Single), "{query}");
        }
        let multiple = [
            "vllm:num_requests_running",
            "vllm:num_requests_running{namespace=\"llm\"} * 2",
            "sum by (pod) (x)",
            "sum without (pod) (x)",
            "rate(x[5m])",
            "topk(3, x)",
            "count_values(\"v\", x)",
            "sum(x) + y",
            "histogram_quantile(0.9, rate(x_bucket[1m]))",
        ];
        for query in multiple {
            assert!(
                matches!(shape(query), Ok(QueryShape::Multiple(_))),
                "{query}"
            );
        }
        assert_eq!(shape("scalar(sum(x))"), Ok(QueryShape::Scalar));
        assert_eq!(shape("1 + 2"), Ok(QueryShape::Scalar));
        assert_eq!(shape("x[5m]"), Ok(QueryShape::Range));
        assert!(shape("sum(").is_err());
    }
}
