//! Operands of the formula grammar: literals, trigger names and `$env[...]`, arrays, calls
//! (including predicate calls with a `{ ... }` body), indexing and the `|` pipe.

use super::super::ast::{CallMode, Expr, ExprKind, Pointer, UnaryOp};
use super::super::builtins::{self, Lookup, PredicateArgs};
use super::super::lexer::{Token, TokenKind};
use super::super::{FormulaError, Span};
use super::{Parser, syntax, unsupported};

impl<'a> Parser<'a> {
    pub(super) fn primary(&mut self) -> Result<Expr, FormulaError> {
        let token = self.current();
        if token.kind == TokenKind::Operator {
            let unary = match token.text {
                "not" | "!" => Some((UnaryOp::Not, 50)),
                "-" => Some((UnaryOp::Neg, 90)),
                "+" => Some((UnaryOp::Plus, 90)),
                _ => None,
            };
            if let Some((op, precedence)) = unary {
                self.advance();
                let operand = self.expression(precedence)?;
                let node = self.node(ExprKind::Unary(op, Box::new(operand)), token.span)?;
                return self.postfix(node);
            }
        }
        if token.is(TokenKind::Bracket, "(") {
            self.advance();
            let inner = self.expression(0)?;
            if self.current().is(TokenKind::Operator, ";") {
                let span = self.current().span;
                return Err(unsupported(
                    span,
                    "`;` sequences are not supported in formulas",
                ));
            }
            self.expect(TokenKind::Bracket, ")", "to close this parenthesis")?;
            return self.postfix(inner);
        }
        if self.predicate_depth > 0 && token.is(TokenKind::Operator, "#") {
            self.advance();
            let mut pointer = Pointer::Element;
            let name = self.current();
            if name.kind == TokenKind::Identifier {
                pointer = match name.text {
                    "index" => Pointer::Index,
                    "acc" => Pointer::Acc,
                    other => {
                        return Err(syntax(
                            name.span,
                            format!(
                                "unknown pointer `#{other}`; inside `{{ ... }}` use `#` for the \
                                 element or `#index` for its position"
                            ),
                        ));
                    }
                };
                self.advance();
            }
            let node = self.node(ExprKind::Pointer(pointer), token.span)?;
            return self.postfix(node);
        }
        if self.predicate_depth > 0 && token.is(TokenKind::Operator, ".") {
            return Err(unsupported(
                token.span,
                "`.field` access is not supported in formulas",
            ));
        }
        self.secondary()
    }

    pub(super) fn secondary(&mut self) -> Result<Expr, FormulaError> {
        let token = self.current();
        let node = match token.kind {
            TokenKind::Identifier => {
                self.advance();
                match token.text {
                    // Literals take no postfix operators in expr-lang.
                    "true" => return self.node(ExprKind::Bool(true), token.span),
                    "false" => return self.node(ExprKind::Bool(false), token.span),
                    "nil" => return self.node(ExprKind::Nil, token.span),
                    "$env" => self.env_lookup(token)?,
                    _ if self.current().is(TokenKind::Bracket, "(") => {
                        self.call(token, Vec::new())?
                    }
                    name => self.identifier(name, token.span)?,
                }
            }
            TokenKind::Number => {
                self.advance();
                return self.number(token);
            }
            TokenKind::Str => {
                return Err(unsupported(
                    token.span,
                    "strings are not supported in formulas (except as `$env[\"trigger-name\"]`)",
                ));
            }
            _ if token.is(TokenKind::Bracket, "[") => self.array()?,
            _ if token.is(TokenKind::Bracket, "{") => {
                return Err(unsupported(
                    token.span,
                    "maps `{key: value}` are not supported in formulas",
                ));
            }
            _ => {
                return Err(syntax(
                    token.span,
                    format!(
                        "expected a value (a trigger name, a number, `(`, `[` or a function \
                         call such as `max(a, b)`), found {}",
                        token.describe()
                    ),
                ));
            }
        };
        self.postfix(node)
    }

    pub(super) fn identifier(&mut self, name: &str, span: Span) -> Result<Expr, FormulaError> {
        match self.names.iter().position(|known| known == name) {
            Some(index) => self.node(ExprKind::Variable(index), span),
            None => self.node(ExprKind::Unresolved(name.to_string()), span),
        }
    }

    /// `$env["trigger-name"]` or `$env.name`: a trigger whose name is not an identifier.
    pub(super) fn env_lookup(&mut self, env: Token<'a>) -> Result<Expr, FormulaError> {
        let token = self.current();
        let name = if token.is(TokenKind::Operator, ".") {
            self.advance();
            let name = self.current();
            if name.kind != TokenKind::Identifier {
                return Err(syntax(
                    name.span,
                    "expected a trigger name after `$env.`".to_string(),
                ));
            }
            self.advance();
            name.text.to_string()
        } else if token.is(TokenKind::Bracket, "[") && self.peek_kind(1) == TokenKind::Str {
            self.advance();
            let literal = self.current();
            self.advance();
            self.expect(TokenKind::Bracket, "]", "to close `$env[\"...\"]`")?;
            unescape(literal)?
        } else {
            return Err(unsupported(
                env.span,
                "`$env` can only be used as `$env[\"trigger-name\"]` or `$env.name`",
            ));
        };
        self.identifier(&name, env.span)
    }

    pub(super) fn peek_kind(&self, ahead: usize) -> TokenKind {
        self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].kind
    }

    pub(super) fn number(&mut self, token: Token<'a>) -> Result<Expr, FormulaError> {
        let kind = parse_number(token.text).map_err(|message| syntax(token.span, message))?;
        self.node(kind, token.span)
    }

    pub(super) fn array(&mut self) -> Result<Expr, FormulaError> {
        let open = self.current().span;
        self.advance();
        let mut items = Vec::new();
        while !self.current().is(TokenKind::Bracket, "]") {
            if !items.is_empty() {
                self.expect(TokenKind::Operator, ",", "between array elements")?;
                if self.current().is(TokenKind::Bracket, "]") {
                    break;
                }
            }
            items.push(self.expression(0)?);
        }
        self.advance();
        self.node(ExprKind::Array(items), open)
    }

    /// `[...]` indexing after a value; `.field` and slices are not supported.
    pub(super) fn postfix(&mut self, mut node: Expr) -> Result<Expr, FormulaError> {
        loop {
            let token = self.current();
            if token.is(TokenKind::Bracket, "[") {
                self.advance();
                if self.current().is(TokenKind::Operator, ":") {
                    return Err(unsupported(
                        token.span,
                        "slices `[a:b]` are not supported in formulas",
                    ));
                }
                let index = self.expression(0)?;
                if self.current().is(TokenKind::Operator, ":") {
                    return Err(unsupported(
                        token.span,
                        "slices `[a:b]` are not supported in formulas",
                    ));
                }
                self.expect(TokenKind::Bracket, "]", "to close the index `[...]`")?;
                node = self.node(ExprKind::Index(Box::new(node), Box::new(index)), token.span)?;
            } else if token.is(TokenKind::Operator, ".") || token.is(TokenKind::Operator, "?.") {
                return Err(unsupported(
                    token.span,
                    "`.field` access is not supported in formulas; trigger values are numbers",
                ));
            } else {
                return Ok(node);
            }
        }
    }

    /// `x | f(args)` calls `f(x, args)`.
    pub(super) fn pipe(&mut self, left: Expr) -> Result<Expr, FormulaError> {
        let name = self.current();
        if name.kind != TokenKind::Identifier {
            return Err(syntax(
                name.span,
                format!(
                    "expected a function name after `|`, found {}",
                    name.describe()
                ),
            ));
        }
        self.advance();
        self.call(name, vec![left])
    }

    /// A function call; `args` holds a piped-in first argument, if any.
    pub(super) fn call(
        &mut self,
        name: Token<'a>,
        mut args: Vec<Expr>,
    ) -> Result<Expr, FormulaError> {
        let func = match builtins::lookup(name.text) {
            Lookup::Supported(func) => func,
            Lookup::Unsupported => {
                return Err(unsupported(
                    name.span,
                    &format!(
                        "the expr-lang function `{}` is not supported in formulas; supported \
                         functions: {}",
                        name.text,
                        builtins::supported_names()
                    ),
                ));
            }
            Lookup::Unknown => {
                // Parse the arguments anyway so syntax errors come first, like expr-lang.
                self.arguments(&mut args)?;
                return self.node(ExprKind::Unresolved(name.text.to_string()), name.span);
            }
        };
        match func.predicate_args() {
            Some(layout) => self.predicate_arguments(name, layout, &mut args)?,
            None => self.arguments(&mut args)?,
        }
        self.node(
            ExprKind::Call {
                func,
                args,
                mode: CallMode::Plain,
            },
            name.span,
        )
    }

    pub(super) fn arguments(&mut self, args: &mut Vec<Expr>) -> Result<(), FormulaError> {
        let piped = args.len();
        self.expect(TokenKind::Bracket, "(", "to start the argument list")?;
        while !self.current().is(TokenKind::Bracket, ")") {
            if args.len() > piped {
                self.expect(TokenKind::Operator, ",", "between arguments")?;
                if self.current().is(TokenKind::Bracket, ")") {
                    break;
                }
            }
            args.push(self.expression(0)?);
        }
        self.advance();
        Ok(())
    }

    /// `f(collection, predicate)`; the predicate may be `{ ... }` or a bare expression.
    pub(super) fn predicate_arguments(
        &mut self,
        name: Token<'a>,
        layout: PredicateArgs,
        args: &mut Vec<Expr>,
    ) -> Result<(), FormulaError> {
        self.expect(TokenKind::Bracket, "(", "to start the argument list")?;
        let expected: &[bool] = &[false, true]; // false: collection, true: predicate
        let optional_from = match layout {
            PredicateArgs::Required => 2,
            PredicateArgs::Optional => 1,
        };
        let first = args.len();
        for (i, &is_predicate) in expected.iter().enumerate().skip(first) {
            if self.current().is(TokenKind::Bracket, ")") {
                if i >= optional_from {
                    break;
                }
                return Err(syntax(
                    self.current().span,
                    format!(
                        "`{}` needs a collection and a predicate, e.g. `{}([a, b], {{# > 1}})`",
                        name.text, name.text
                    ),
                ));
            }
            if i > first {
                self.expect(TokenKind::Operator, ",", "between arguments")?;
            }
            let arg = if is_predicate {
                self.predicate()?
            } else {
                self.expression(0)?
            };
            args.push(arg);
        }
        if self.current().is(TokenKind::Operator, ",") {
            self.advance();
        }
        self.expect(
            TokenKind::Bracket,
            ")",
            &format!("to close the call to `{}`", name.text),
        )?;
        Ok(())
    }

    pub(super) fn predicate(&mut self) -> Result<Expr, FormulaError> {
        let start = self.current();
        let braced = start.is(TokenKind::Bracket, "{");
        if braced {
            self.advance();
        }
        self.predicate_depth += 1;
        let body = self.expression(0);
        self.predicate_depth -= 1;
        let body = body?;
        if self.current().is(TokenKind::Operator, ";") {
            return Err(unsupported(
                self.current().span,
                "`;` sequences are not supported in formulas",
            ));
        }
        if braced {
            self.expect(TokenKind::Bracket, "}", "to close the predicate `{ ... }`")?;
        }
        self.node(ExprKind::Predicate(Box::new(body)), start.span)
    }
}

/// Converts a number token as expr-lang does: `_` separators are dropped, a `0x`/`0o`/`0b`
/// prefix gives an integer in that base, a `.` or `e` makes a float, anything else is a
/// decimal integer (which must fit in 64 bits).
pub(super) fn parse_number(text: &str) -> Result<ExprKind, String> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    let lower = digits.to_ascii_lowercase();
    let radix = match lower.get(..2) {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        return i64::from_str_radix(&digits[2..], radix)
            .ok()
            .filter(|_| digits.len() > 2 && !digits[2..].starts_with(['+', '-']))
            .map(ExprKind::Int)
            .ok_or_else(|| format!("invalid integer literal `{text}`"));
    }
    if lower.contains(['.', 'e']) {
        return match lower.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(ExprKind::Float(f)),
            Ok(_) => Err(format!("float literal `{text}` is too large")),
            Err(_) => Err(format!(
                "invalid float literal `{text}`; write e.g. `0.5` or `1e3`"
            )),
        };
    }
    digits.parse::<i64>().map(ExprKind::Int).map_err(|_| {
        format!(
            "integer literal `{text}` does not fit in 64 bits; write it as a float, e.g. `{text}.0`"
        )
    })
}

/// The text of a string literal with its escapes resolved.
fn unescape(token: Token<'_>) -> Result<String, FormulaError> {
    if !token.text.contains('\\') || token.text.is_empty() {
        return Ok(token.text.to_string());
    }
    let mut out = String::with_capacity(token.text.len());
    let mut chars = token.text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some(c @ ('\\' | '"' | '\'')) => c,
            _ => {
                return Err(syntax(
                    token.span,
                    "unsupported escape in string; use `\\\\`, `\\\"`, `\\n` or `\\t`".to_string(),
                ));
            }
        });
    }
    Ok(out)
}
