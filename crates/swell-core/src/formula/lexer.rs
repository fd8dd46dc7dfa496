//! Splits formula source into tokens, following expr-lang's lexer rules.
//!
//! Identifiers are letters (any script), digits, `_` and `$`; numbers may use `_` separators,
//! `0x`/`0o`/`0b` prefixes, a fraction (`.5`, `1.`) and an exponent (`1e3`); `//` and `/* */`
//! are comments. Every token carries its byte span in the source so errors can point at it.

use super::{FormulaError, Span};

/// One token of formula source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Token<'a> {
    pub kind: TokenKind,
    /// The exact source text (for strings: the text between the quotes, still escaped).
    pub text: &'a str,
    pub span: Span,
}

/// What a token is. Operators and brackets are told apart by their text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenKind {
    Number,
    Identifier,
    /// A quoted string literal (only usable as `$env["trigger-name"]`).
    Str,
    /// An operator, including the word operators `and`, `or`, `not`, `in`, `if`, `else`, `let`,
    /// `matches`, `contains`, `startsWith` and `endsWith`.
    Operator,
    /// One of `( ) [ ] { }`.
    Bracket,
    Eof,
}

impl Token<'_> {
    /// Whether this is an operator or bracket spelled `text`.
    pub fn is(&self, kind: TokenKind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }

    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self.kind {
            TokenKind::Eof => "the end of the formula".to_string(),
            TokenKind::Str => format!("the string \"{}\"", self.text),
            _ => format!("`{}`", self.text),
        }
    }
}

/// Words the lexer turns into operators instead of identifiers.
const WORD_OPERATORS: &[&str] = &[
    "not",
    "in",
    "or",
    "and",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "let",
    "if",
    "else",
];

/// The tokens of a formula.
pub(super) struct Tokens<'a> {
    /// Always ends with an `Eof` token.
    pub tokens: Vec<Token<'a>>,
    /// Whether the source ends inside a `//` comment (no newline after it).
    pub ends_in_line_comment: bool,
}

/// Tokenizes `source`.
pub(super) fn tokenize(source: &str) -> Result<Tokens<'_>, FormulaError> {
    let mut lexer = Lexer {
        source,
        pos: 0,
        tokens: Vec::new(),
        ends_in_line_comment: false,
    };
    lexer.run()?;
    Ok(Tokens {
        tokens: lexer.tokens,
        ends_in_line_comment: lexer.ends_in_line_comment,
    })
}

struct Lexer<'a> {
    source: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
    ends_in_line_comment: bool,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) -> Result<(), FormulaError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            self.bump(c);
            match c {
                c if c.is_whitespace() => {}
                '"' | '\'' => self.string(start, c)?,
                '`' => self.raw_string(start)?,
                '0'..='9' => self.number(start)?,
                '.' if self.peek().is_some_and(|d| d.is_ascii_digit()) => self.number(start)?,
                '.' => {
                    self.accept(".");
                    self.emit(TokenKind::Operator, start);
                }
                '?' => {
                    self.accept(".?");
                    self.emit(TokenKind::Operator, start);
                }
                '/' if self.accept("/") => self.skip_line_comment(),
                '/' if self.accept("*") => self.skip_block_comment(start)?,
                '#' => {
                    // `#` may be glued to a name (`#index`); the parser also accepts `# index`.
                    self.emit(TokenKind::Operator, start);
                    let name_start = self.pos;
                    self.take_while(is_identifier_char);
                    if self.pos > name_start {
                        self.emit(TokenKind::Identifier, name_start);
                    }
                }
                '|' => {
                    self.accept("|");
                    self.emit(TokenKind::Operator, start);
                }
                ':' => {
                    self.accept(":");
                    self.emit(TokenKind::Operator, start);
                }
                '(' | ')' | '[' | ']' | '{' | '}' => self.emit(TokenKind::Bracket, start),
                ',' | ';' | '%' | '+' | '-' | '^' | '/' => self.emit(TokenKind::Operator, start),
                '&' | '!' | '=' | '*' | '<' | '>' => {
                    // expr-lang reads one more of `&=*` after these (`&&`, `==`, `**`, `<=`, ...).
                    self.accept("&=*");
                    self.emit(TokenKind::Operator, start);
                }
                c if is_identifier_char(c) => {
                    self.take_while(is_identifier_char);
                    let word = &self.source[start..self.pos];
                    let kind = if WORD_OPERATORS.contains(&word) {
                        TokenKind::Operator
                    } else {
                        TokenKind::Identifier
                    };
                    self.emit(kind, start);
                }
                other => {
                    return Err(FormulaError::Syntax {
                        offset: start,
                        message: format!(
                            "unexpected character {other:?}; a formula uses trigger names, \
                             numbers, operators such as `+ - * / ?: ??` and functions such as \
                             `max(...)`"
                        ),
                    });
                }
            }
        }
        let end = self.source.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            text: "",
            span: Span::new(end, end),
        });
        Ok(())
    }

    fn peek(&self) -> Option<char> {
        self.source[self.pos..].chars().next()
    }

    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
    }

    /// Consumes the next character if it is one of `set`.
    fn accept(&mut self, set: &str) -> bool {
        match self.peek() {
            Some(c) if set.contains(c) => {
                self.bump(c);
                true
            }
            _ => false,
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) {
        while let Some(c) = self.peek().filter(|&c| keep(c)) {
            self.bump(c);
        }
    }

    fn emit(&mut self, kind: TokenKind, start: usize) {
        let text = &self.source[start..self.pos];
        self.tokens.push(Token {
            kind,
            text,
            span: Span::new(start, self.pos),
        });
    }

    /// Scans a number the way expr-lang does: digits (with `_`), an optional base prefix, an
    /// optional fraction and exponent, and no letter glued to the end. The value is converted
    /// by the parser.
    fn number(&mut self, start: usize) -> Result<(), FormulaError> {
        let mut digits = "0123456789_";
        if self.source[start..].starts_with('0') {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.take_while(|c| digits.contains(c));
        let before_dot = self.pos;
        if self.accept(".") {
            if self.peek() == Some('.') {
                // `1..2` is a range, not a fraction.
                self.pos = before_dot;
            } else {
                self.take_while(|c| digits.contains(c));
            }
        }
        if self.accept("eE") {
            self.accept("+-");
            self.take_while(|c| digits.contains(c));
        }
        if let Some(c) = self.peek().filter(|&c| is_identifier_char(c)) {
            self.bump(c);
            let text = &self.source[start..self.pos];
            return Err(FormulaError::Syntax {
                offset: start,
                message: format!(
                    "bad number `{text}`; write numbers like `10`, `0.5`, `1e3` or `1_000`, and \
                     put an operator between a number and a name"
                ),
            });
        }
        self.emit(TokenKind::Number, start);
        Ok(())
    }

    fn string(&mut self, start: usize, quote: char) -> Result<(), FormulaError> {
        loop {
            match self.peek() {
                None | Some('\n') => return Err(unterminated(start)),
                Some('\\') => {
                    self.bump('\\');
                    if let Some(c) = self.peek() {
                        self.bump(c);
                    }
                }
                Some(c) => {
                    self.bump(c);
                    if c == quote {
                        break;
                    }
                }
            }
        }
        let text = &self.source[start + 1..self.pos - 1];
        self.tokens.push(Token {
            kind: TokenKind::Str,
            text,
            span: Span::new(start, self.pos),
        });
        Ok(())
    }

    fn raw_string(&mut self, start: usize) -> Result<(), FormulaError> {
        match self.source[self.pos..].find('`') {
            Some(len) => {
                self.pos += len + 1;
                // Raw strings keep their text as is; there are no escapes to undo.
                let text = &self.source[start + 1..self.pos - 1];
                let span = Span::new(start, self.pos);
                self.tokens.push(Token {
                    kind: TokenKind::Str,
                    text,
                    span,
                });
                Ok(())
            }
            None => Err(unterminated(start)),
        }
    }

    fn skip_line_comment(&mut self) {
        self.take_while(|c| c != '\n');
        self.ends_in_line_comment = self.pos == self.source.len();
    }

    fn skip_block_comment(&mut self, start: usize) -> Result<(), FormulaError> {
        match self.source[self.pos..].find("*/") {
            Some(len) => {
                self.pos += len + 2;
                Ok(())
            }
            None => Err(FormulaError::Syntax {
                offset: start,
                message: "comment `/*` is never closed; end it with `*/`".to_string(),
            }),
        }
    }
}

fn unterminated(start: usize) -> FormulaError {
    FormulaError::Syntax {
        offset: start,
        message: "string is never closed; end it with the same quote it starts with".to_string(),
    }
}

/// Letters of any script, digits, `_` and `$`, as in expr-lang identifiers.
pub(super) fn is_identifier_char(c: char) -> bool {
    c == '_' || c == '$' || c.is_alphanumeric()
}

/// Whether `name` can be written as a bare identifier (otherwise it needs `$env["name"]`).
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| is_identifier_char(c) && !c.is_numeric());
    first_ok && chars.all(is_identifier_char) && !is_reserved(name)
}

/// Words that cannot name a trigger directly because they mean something else.
fn is_reserved(name: &str) -> bool {
    WORD_OPERATORS.contains(&name) || matches!(name, "true" | "false" | "nil" | "$env")
}
