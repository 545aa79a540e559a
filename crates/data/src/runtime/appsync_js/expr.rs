//! DynamoDB expressions as AppSync resolvers write them — condition/filter expressions, key
//! condition expressions and update expressions, with `#name` and `:value` placeholders — parsed
//! into the store's [`Filter`] AST (so they run in SQL) and into update actions.
//!
//! Grammar (DynamoDB's): `cond := or; or := and (OR and)*; and := not (AND not)*;
//! not := NOT not | '(' cond ')' | function | operand cmp operand | operand BETWEEN a AND b |
//! operand IN (v, …)`; functions `attribute_exists`, `attribute_not_exists`, `attribute_type`,
//! `begins_with`, `contains`, `size`. Comparisons must have an attribute on one side and a value
//! on the other (the store compares attributes with constants).

use serde_json::{Map, Value};
use store::{AttrType, FieldPath, Filter, Op, PathSeg};

use super::values::from_dynamodb;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Name(String),
    Val(String),
    Num(usize),
    Sym(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let word = |i: &mut usize| {
            let st = *i;
            while *i < cs.len() && (cs[*i].is_alphanumeric() || cs[*i] == '_' || cs[*i] == '-') {
                *i += 1;
            }
            cs[st..*i].iter().collect::<String>()
        };
        match c {
            '#' => {
                i += 1;
                out.push(Tok::Name(format!("#{}", word(&mut i))));
            }
            ':' => {
                i += 1;
                out.push(Tok::Val(format!(":{}", word(&mut i))));
            }
            '<' if cs.get(i + 1) == Some(&'>') => {
                out.push(Tok::Sym("<>"));
                i += 2;
            }
            '<' | '>' if cs.get(i + 1) == Some(&'=') => {
                out.push(Tok::Sym(if c == '<' { "<=" } else { ">=" }));
                i += 2;
            }
            '=' | '<' | '>' | '(' | ')' | ',' | '.' | '[' | ']' | '+' | '-' => {
                out.push(Tok::Sym(match c {
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    '.' => ".",
                    '[' => "[",
                    ']' => "]",
                    '+' => "+",
                    _ => "-",
                }));
                i += 1;
            }
            d if d.is_ascii_digit() => {
                let st = i;
                while i < cs.len() && cs[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Tok::Num(cs[st..i].iter().collect::<String>().parse().map_err(|_| "bad number")?));
            }
            a if a.is_alphabetic() || a == '_' => out.push(Tok::Ident(word(&mut i))),
            other => return Err(format!("unexpected character `{other}`")),
        }
    }
    Ok(out)
}

/// Placeholder maps of one request (`expressionNames`, `expressionValues` in DynamoDB JSON).
pub struct Placeholders<'a> {
    pub names: Option<&'a Map<String, Value>>,
    pub values: Option<&'a Map<String, Value>>,
}

impl Placeholders<'_> {
    fn name(&self, n: &str) -> Result<String, String> {
        if !n.starts_with('#') {
            return Ok(n.to_string());
        }
        self.names
            .and_then(|m| m.get(n))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("expressionNames has no `{n}`"))
    }
    pub fn value(&self, v: &str) -> Result<Value, String> {
        self.values
            .and_then(|m| m.get(v))
            .map(from_dynamodb)
            .ok_or_else(|| format!("expressionValues has no `{v}`"))
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(FieldPath),
    Size(FieldPath),
    Value(Value),
}

pub struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    ph: &'a Placeholders<'a>,
}

impl<'a> Parser<'a> {
    pub fn new(text: &str, ph: &'a Placeholders<'a>) -> Result<Parser<'a>, String> {
        Ok(Parser {
            toks: tokenize(text)?,
            pos: 0,
            ph,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&mut self, k: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k)) {
            self.pos += 1;
            return true;
        }
        false
    }
    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            return true;
        }
        false
    }
    fn expect(&mut self, s: &str) -> Result<(), String> {
        if self.sym(s) {
            Ok(())
        } else {
            Err(format!("expected `{s}`"))
        }
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// An attribute path: `a.b[0]`, `#n.c`.
    pub fn path(&mut self) -> Result<FieldPath, String> {
        let first = match self.next() {
            Some(Tok::Ident(w)) => w,
            Some(Tok::Name(n)) => self.ph.name(&n)?,
            other => return Err(format!("expected an attribute name, found {other:?}")),
        };
        let mut p = FieldPath::field(first);
        loop {
            if self.sym(".") {
                match self.next() {
                    Some(Tok::Ident(w)) => p = p.key(w),
                    Some(Tok::Name(n)) => p = p.key(self.ph.name(&n)?),
                    other => return Err(format!("expected an attribute name after `.`, found {other:?}")),
                }
            } else if self.sym("[") {
                let Some(Tok::Num(i)) = self.next() else {
                    return Err("expected a list index".into());
                };
                self.expect("]")?;
                p = p.index(i);
            } else {
                return Ok(p);
            }
        }
    }

    pub fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some(Tok::Val(v)) => {
                let v = v.clone();
                self.pos += 1;
                Ok(Operand::Value(self.ph.value(&v)?))
            }
            Some(Tok::Ident(w)) if w == "size" && matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) => {
                self.pos += 2;
                let p = self.path()?;
                self.expect(")")?;
                Ok(Operand::Size(p))
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    pub fn condition(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.and()?];
        while self.keyword("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::Or(parts) })
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.not()?];
        while self.keyword("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::And(parts) })
    }

    fn not(&mut self) -> Result<Filter, String> {
        if self.keyword("NOT") {
            return Ok(Filter::not(self.not()?));
        }
        if self.sym("(") {
            let f = self.condition()?;
            self.expect(")")?;
            return Ok(f);
        }
        if let Some(Tok::Ident(w)) = self.peek() {
            let w = w.clone();
            let is_call = matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("(")));
            if is_call && w != "size" {
                self.pos += 2;
                let p = self.path()?;
                let f = match w.as_str() {
                    "attribute_exists" => Filter::cmp(p, Op::AttributeExists(true)),
                    "attribute_not_exists" => Filter::cmp(p, Op::AttributeExists(false)),
                    "attribute_type" | "begins_with" | "contains" => {
                        self.expect(",")?;
                        let Operand::Value(v) = self.operand()? else {
                            return Err(format!("the second argument of {w} must be a :value"));
                        };
                        match w.as_str() {
                            "attribute_type" => {
                                let t = v.as_str().and_then(AttrType::parse).ok_or_else(|| format!("unknown attribute type {v}"))?;
                                Filter::cmp(p, Op::AttributeType(t))
                            }
                            "begins_with" => Filter::cmp(p, Op::BeginsWith(v.as_str().ok_or("begins_with needs a string")?.to_string())),
                            _ => Filter::cmp(p, Op::Contains(v)),
                        }
                    }
                    other => return Err(format!("unknown function `{other}`")),
                };
                self.expect(")")?;
                return Ok(f);
            }
        }
        let left = self.operand()?;
        if self.keyword("BETWEEN") {
            let Operand::Value(a) = self.operand()? else {
                return Err("BETWEEN needs :values".into());
            };
            if !self.keyword("AND") {
                return Err("expected AND in BETWEEN".into());
            }
            let Operand::Value(b) = self.operand()? else {
                return Err("BETWEEN needs :values".into());
            };
            return attr_op(left, Op::Between(a, b));
        }
        if self.keyword("IN") {
            self.expect("(")?;
            let mut vals = Vec::new();
            loop {
                let Operand::Value(v) = self.operand()? else {
                    return Err("IN needs :values".into());
                };
                vals.push(v);
                if !self.sym(",") {
                    break;
                }
            }
            self.expect(")")?;
            return attr_op(left, Op::In(vals));
        }
        let op = match self.next() {
            Some(Tok::Sym(s)) if matches!(s, "=" | "<>" | "<" | "<=" | ">" | ">=") => s,
            other => return Err(format!("expected a comparison, found {other:?}")),
        };
        let right = self.operand()?;
        let (attr, v, op) = match (left, right) {
            (a @ (Operand::Path(_) | Operand::Size(_)), Operand::Value(v)) => (a, v, op),
            (Operand::Value(v), a @ (Operand::Path(_) | Operand::Size(_))) => (a, v, flip(op)),
            _ => return Err("comparisons need an attribute on one side and a :value on the other".into()),
        };
        let op = match op {
            "=" => Op::Eq(v),
            "<>" => Op::Ne(v),
            "<" => Op::Lt(v),
            "<=" => Op::Le(v),
            ">" => Op::Gt(v),
            _ => Op::Ge(v),
        };
        attr_op(attr, op)
    }
}

fn flip(op: &'static str) -> &'static str {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        o => o,
    }
}

fn attr_op(left: Operand, op: Op) -> Result<Filter, String> {
    match left {
        Operand::Path(p) => Ok(Filter::cmp(p, op)),
        Operand::Size(p) => Ok(Filter::cmp(p, Op::Size(Box::new(op)))),
        Operand::Value(_) => Err("the left side of a comparison must be an attribute".into()),
    }
}

/// Parses a whole condition, filter or key condition expression.
pub fn parse_condition(text: &str, ph: &Placeholders<'_>) -> Result<Filter, String> {
    let mut p = Parser::new(text, ph)?;
    let f = p.condition()?;
    if !p.at_end() {
        return Err(format!("unexpected text after position {} in `{text}`", p.pos));
    }
    Ok(f)
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(FieldPath, SetValue),
    Remove(FieldPath),
    Add(FieldPath, Value),
    Delete(FieldPath, Value),
}

/// The right side of a `SET`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Operand(Operand),
    IfNotExists(FieldPath, Box<SetValue>),
    ListAppend(Box<SetValue>, Box<SetValue>),
    Plus(Box<SetValue>, Box<SetValue>),
    Minus(Box<SetValue>, Box<SetValue>),
}

/// Parses `SET a = :v, b = b + :n REMOVE c ADD d :n DELETE e :s`.
pub fn parse_update(text: &str, ph: &Placeholders<'_>) -> Result<Vec<UpdateAction>, String> {
    let mut p = Parser::new(text, ph)?;
    let mut out = Vec::new();
    while !p.at_end() {
        let clause = match p.next() {
            Some(Tok::Ident(w)) => w.to_ascii_uppercase(),
            other => return Err(format!("expected SET, REMOVE, ADD or DELETE, found {other:?}")),
        };
        loop {
            let path = p.path()?;
            match clause.as_str() {
                "SET" => {
                    p.expect("=")?;
                    let v = set_value(&mut p)?;
                    out.push(UpdateAction::Set(path, v));
                }
                "REMOVE" => out.push(UpdateAction::Remove(path)),
                "ADD" | "DELETE" => {
                    let Operand::Value(v) = p.operand()? else {
                        return Err(format!("{clause} needs a :value"));
                    };
                    out.push(if clause == "ADD" {
                        UpdateAction::Add(path, v)
                    } else {
                        UpdateAction::Delete(path, v)
                    });
                }
                other => return Err(format!("unknown update clause `{other}`")),
            }
            if !p.sym(",") {
                break;
            }
        }
    }
    Ok(out)
}

fn set_value(p: &mut Parser<'_>) -> Result<SetValue, String> {
    let first = set_term(p)?;
    if p.sym("+") {
        return Ok(SetValue::Plus(Box::new(first), Box::new(set_term(p)?)));
    }
    if p.sym("-") {
        return Ok(SetValue::Minus(Box::new(first), Box::new(set_term(p)?)));
    }
    Ok(first)
}

fn set_term(p: &mut Parser<'_>) -> Result<SetValue, String> {
    if let Some(Tok::Ident(w)) = p.peek() {
        let w = w.clone();
        if matches!(p.toks.get(p.pos + 1), Some(Tok::Sym("("))) && (w == "if_not_exists" || w == "list_append") {
            p.pos += 2;
            let v = if w == "if_not_exists" {
                let path = p.path()?;
                p.expect(",")?;
                SetValue::IfNotExists(path, Box::new(set_value(p)?))
            } else {
                let a = set_value(p)?;
                p.expect(",")?;
                SetValue::ListAppend(Box::new(a), Box::new(set_value(p)?))
            };
            p.expect(")")?;
            return Ok(v);
        }
    }
    Ok(SetValue::Operand(p.operand()?))
}

/// The top-level attribute a path starts at.
pub fn top(p: &FieldPath) -> &str {
    match p.0.first() {
        Some(PathSeg::Key(k)) => k,
        _ => "",
    }
}
