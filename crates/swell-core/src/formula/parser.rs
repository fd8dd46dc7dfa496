//! Builds the syntax tree from tokens with expr-lang's grammar and precedence.
//!
//! Binding strength, weakest first: `|` (pipe), `||`/`or`, `&&`/`and`, comparisons and `in`,
//! `+ -`, `* / %`, unary `! not` (binds looser than arithmetic: `!a == b` is `(!a) == b`),
//! unary `- +`, `** ^` (right-associative, so `-2 ** 2` is `-(2 ** 2)`), and `??` tightest of
//! all. The ternary `?:` and `if {} else {}` take a whole expression, so `a > 1 ? b : c + 1`
//! reads `(a > 1) ? b : (c + 1)`, and nest to the right. Like expr-lang we also
//! - read `a < b < c` as `a < b && b < c`;
//! - reject another operator right after a `??` operand (`a ?? b + 1`) unless parenthesized;
//! - accept `c ?: d` (`c ? c : d`) and a trailing comma in lists;
//! - call `f` with `x` as its first argument in `x | f(y)`.
//!
//! Nesting is limited to [`MAX_DEPTH`] levels and [`MAX_NODES`] nodes so that no input can
//! exhaust the stack or make later passes slow. Operands (literals, names, calls, arrays,
//! predicates) are parsed in [`operand`].

mod operand;

use super::ast::{BinaryOp, ConditionalForm, Expr, ExprKind, UnaryOp};
use super::lexer::{Token, TokenKind, tokenize};
use super::{FormulaError, Span};

/// The deepest nesting a formula may have. Real formulas nest a few levels; 64 keeps every
/// recursive pass (parse, check, fold, evaluate) well inside a 2 MiB thread stack even in a
/// debug build, where one level of `max(max(...))` takes about 12 KiB.
pub const MAX_DEPTH: u32 = 64;
/// The most syntax-tree nodes a formula may have (expr-lang's default limit).
pub const MAX_NODES: usize = 10_000;

/// A parsed formula.
pub(super) struct Parsed {
    pub root: Expr,
    /// Whether the source ends inside a `//` comment.
    pub ends_in_line_comment: bool,
}

/// Parses `source`, resolving identifiers against the trigger `names`.
pub(super) fn parse(source: &str, names: &[String]) -> Result<Parsed, FormulaError> {
    let lexed = tokenize(source)?;
    let ends_in_line_comment = lexed.ends_in_line_comment;
    let mut parser = Parser {
        tokens: lexed.tokens,
        pos: 0,
        names,
        depth: 0,
        predicate_depth: 0,
        nodes: 0,
    };
    let root = parser.expression(0)?;
    let token = parser.current();
    if token.is(TokenKind::Operator, ";") {
        return Err(unsupported(
            token.span,
            "`;` sequences are not supported in formulas",
        ));
    }
    if token.kind != TokenKind::Eof {
        return Err(syntax(
            token.span,
            format!(
                "unexpected {} after a complete expression; join expressions with an operator \
                 such as `+`, or use `cond ? a : b`",
                token.describe()
            ),
        ));
    }
    Ok(Parsed {
        root,
        ends_in_line_comment,
    })
}

fn syntax(span: Span, message: String) -> FormulaError {
    FormulaError::Syntax {
        offset: span.start,
        message,
    }
}

fn unsupported(span: Span, message: &str) -> FormulaError {
    FormulaError::Unsupported {
        offset: span.start,
        message: message.to_string(),
    }
}

/// Binding strength and associativity of a binary operator token.
fn binary_precedence(text: &str) -> Option<(u32, bool)> {
    let (precedence, right) = match text {
        "|" => (0, false),
        "or" | "||" => (10, false),
        "and" | "&&" => (15, false),
        "==" | "!=" | "<" | ">" | ">=" | "<=" | "in" | "matches" | "contains" | "startsWith"
        | "endsWith" => (20, false),
        ".." => (25, false),
        "+" | "-" => (30, false),
        "*" | "/" | "%" => (60, false),
        "**" | "^" => (100, true),
        "??" => (500, false),
        _ => return None,
    };
    Some((precedence, right))
}

fn binary_op(text: &str) -> Option<BinaryOp> {
    Some(match text {
        "or" | "||" => BinaryOp::Or,
        "and" | "&&" => BinaryOp::And,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        "in" => BinaryOp::In,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        "%" => BinaryOp::Mod,
        "**" | "^" => BinaryOp::Pow,
        "??" => BinaryOp::Coalesce,
        _ => return None,
    })
}

fn is_comparison(text: &str) -> bool {
    matches!(text, "<" | ">" | "<=" | ">=")
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    names: &'a [String],
    /// Current recursion depth of the parser itself.
    depth: u32,
    /// How many predicate bodies (`{ ... }`) enclose the current position.
    predicate_depth: u32,
    nodes: usize,
}

impl<'a> Parser<'a> {
    fn current(&self) -> Token<'a> {
        self.tokens[self.pos]
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn expect(
        &mut self,
        kind: TokenKind,
        text: &str,
        what: &str,
    ) -> Result<Token<'a>, FormulaError> {
        let token = self.current();
        if token.is(kind, text) {
            self.advance();
            return Ok(token);
        }
        Err(syntax(
            token.span,
            format!("expected `{text}` {what}, found {}", token.describe()),
        ))
    }

    /// Creates a node, enforcing the size and depth limits.
    fn node(&mut self, kind: ExprKind, span: Span) -> Result<Expr, FormulaError> {
        self.count(1, span)?;
        let expr = Expr::new(kind, span);
        if expr.depth > MAX_DEPTH {
            return Err(FormulaError::TooDeep {
                offset: span.start,
                limit: MAX_DEPTH,
            });
        }
        Ok(expr)
    }

    fn count(&mut self, nodes: usize, span: Span) -> Result<(), FormulaError> {
        self.nodes += nodes;
        if self.nodes > MAX_NODES {
            return Err(FormulaError::TooLarge {
                offset: span.start,
                limit: MAX_NODES,
            });
        }
        Ok(())
    }

    /// Runs `parse` one recursion level deeper, failing cleanly past the depth limit.
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, FormulaError>,
    ) -> Result<T, FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let offset = self.current().span.start;
            return Err(FormulaError::TooDeep {
                offset,
                limit: MAX_DEPTH,
            });
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// Parses operators binding at least as tightly as `min_precedence`; at 0, also a trailing
    /// ternary, and a leading `if`.
    fn expression(&mut self, min_precedence: u32) -> Result<Expr, FormulaError> {
        self.nested(|p| p.expression_inner(min_precedence))
    }

    fn expression_inner(&mut self, min_precedence: u32) -> Result<Expr, FormulaError> {
        let token = self.current();
        if min_precedence == 0 && token.is(TokenKind::Operator, "let") {
            return Err(unsupported(
                token.span,
                "`let` variables are not supported in formulas",
            ));
        }
        if min_precedence == 0 && token.is(TokenKind::Operator, "if") {
            return self.if_else();
        }

        let mut left = self.primary()?;
        let mut previous = "";
        loop {
            let mut op = self.current();
            if op.kind != TokenKind::Operator {
                break;
            }
            let negated = op.text == "not";
            if negated {
                // `not in` (and `not matches`...) negate the operator that follows.
                let next = self.tokens[(self.pos + 1).min(self.tokens.len() - 1)];
                let suffix = matches!(
                    next.text,
                    "in" | "matches" | "contains" | "startsWith" | "endsWith"
                ) && next.kind == TokenKind::Operator;
                if !suffix {
                    return Err(syntax(
                        next.span,
                        format!(
                            "unexpected {} after `not`; write `not in [...]`",
                            next.describe()
                        ),
                    ));
                }
                if binary_precedence(next.text).is_none_or(|(p, _)| p < min_precedence) {
                    break;
                }
                self.advance();
                op = next;
            }
            let Some((precedence, right_assoc)) = binary_precedence(op.text) else {
                break;
            };
            if precedence < min_precedence {
                break;
            }
            self.advance();

            if op.text == "|" {
                left = self.pipe(left)?;
                previous = "|";
                continue;
            }
            if previous == "??" && op.text != "??" {
                return Err(syntax(
                    op.span,
                    format!(
                        "`{}` cannot follow a `??` expression without parentheses; write \
                         `(x ?? y) {} z` or `x ?? (y {} z)`",
                        op.text, op.text, op.text
                    ),
                ));
            }
            if is_comparison(op.text) {
                left = self.comparison(left, op, precedence)?;
                previous = op.text;
                continue;
            }
            let Some(binary) = binary_op(op.text) else {
                return Err(unsupported(
                    op.span,
                    &format!(
                        "the operator `{}` works on strings or ranges, which formulas do not \
                         support",
                        op.text
                    ),
                ));
            };
            let right = self.expression(if right_assoc {
                precedence
            } else {
                precedence + 1
            })?;
            let span = op.span;
            left = self.node(
                ExprKind::Binary(binary, Box::new(left), Box::new(right)),
                span,
            )?;
            if negated {
                left = self.node(ExprKind::Unary(UnaryOp::Not, Box::new(left)), span)?;
            }
            previous = op.text;
        }

        if min_precedence == 0 {
            left = self.ternary(left)?;
        }
        Ok(left)
    }

    /// `a < b < c` becomes `a < b && b < c` (the middle operand is evaluated for both).
    fn comparison(
        &mut self,
        first: Expr,
        op: Token<'a>,
        precedence: u32,
    ) -> Result<Expr, FormulaError> {
        let mut left = first;
        let mut op = op;
        let mut chain: Option<Expr> = None;
        loop {
            let right = self.expression(precedence + 1)?;
            let binary = binary_op(op.text).expect("comparison operators are binary operators");
            self.count(right.size(), op.span)?;
            let link = self.node(
                ExprKind::Binary(binary, Box::new(left), Box::new(right.clone())),
                op.span,
            )?;
            chain = Some(match chain {
                None => link,
                Some(earlier) => self.node(
                    ExprKind::Binary(BinaryOp::And, Box::new(earlier), Box::new(link)),
                    op.span,
                )?,
            });
            left = right;
            let next = self.current();
            if !(next.kind == TokenKind::Operator && is_comparison(next.text)) {
                break;
            }
            self.advance();
            op = next;
        }
        Ok(chain.expect("a comparison has at least one link"))
    }

    /// `cond ? a : b` and `cond ?: b`, nesting to the right.
    fn ternary(&mut self, mut cond: Expr) -> Result<Expr, FormulaError> {
        while self.current().is(TokenKind::Operator, "?") {
            let question = self.current().span;
            self.advance();
            let then = if self.current().is(TokenKind::Operator, ":") {
                self.advance();
                None
            } else {
                let then = self.expression(0)?;
                self.expect(
                    TokenKind::Operator,
                    ":",
                    "to separate the two branches of `cond ? a : b`",
                )?;
                Some(Box::new(then))
            };
            let otherwise = self.expression(0)?;
            let span = question;
            cond = self.node(
                ExprKind::Conditional {
                    cond: Box::new(cond),
                    then,
                    otherwise: Box::new(otherwise),
                    form: ConditionalForm::Ternary,
                },
                span,
            )?;
        }
        Ok(cond)
    }

    /// `if cond { a } else { b }`, with `else if` chains.
    fn if_else(&mut self) -> Result<Expr, FormulaError> {
        let start = self.current().span;
        self.advance();
        let cond = self.expression(0)?;
        self.expect(
            TokenKind::Bracket,
            "{",
            "to open the `if` branch: `if cond { a } else { b }`",
        )?;
        let then = self.expression(0)?;
        self.expect(TokenKind::Bracket, "}", "to close the `if` branch")?;
        self.expect(
            TokenKind::Operator,
            "else",
            "after the `if` branch: `if cond { a } else { b }`",
        )?;
        let otherwise = if self.current().is(TokenKind::Operator, "if") {
            self.nested(Parser::if_else)?
        } else {
            self.expect(TokenKind::Bracket, "{", "to open the `else` branch")?;
            let otherwise = self.expression(0)?;
            self.expect(TokenKind::Bracket, "}", "to close the `else` branch")?;
            otherwise
        };
        self.node(
            ExprKind::Conditional {
                cond: Box::new(cond),
                then: Some(Box::new(then)),
                otherwise: Box::new(otherwise),
                form: ConditionalForm::If,
            },
            start,
        )
    }
}
