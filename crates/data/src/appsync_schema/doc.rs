//! A small GraphQL document model: the output the transformer builds up, step by step, and
//! prints. Definitions keep insertion order; fields keep their order; directives are deduplicated
//! by name as the transformer's `extendFieldWithDirectives`/`addObjectExtension` do (first wins).

use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// A GraphQL type reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Named(String),
    List(Box<Ty>),
    NonNull(Box<Ty>),
}

impl Ty {
    pub fn named(name: impl Into<String>) -> Ty {
        Ty::Named(name.into())
    }
    pub fn non_null(self) -> Ty {
        match self {
            Ty::NonNull(_) => self,
            other => Ty::NonNull(Box::new(other)),
        }
    }
    pub fn list(self) -> Ty {
        Ty::List(Box::new(self))
    }
    /// The innermost type name.
    pub fn base(&self) -> &str {
        match self {
            Ty::Named(n) => n,
            Ty::List(t) | Ty::NonNull(t) => t.base(),
        }
    }
    pub fn is_list(&self) -> bool {
        match self {
            Ty::Named(_) => false,
            Ty::List(_) => true,
            Ty::NonNull(t) => t.is_list(),
        }
    }
    /// The transformer's `FieldWrapper.isList()`: only a nullable list counts (it looks through
    /// `!` with graphql-js's `isListType`, which is false for AST nodes).
    pub fn is_bare_list(&self) -> bool {
        matches!(self, Ty::List(_))
    }
    /// The same type without its outer `!` (`makeNullable`/`unwrapNonNull`).
    pub fn nullable(self) -> Ty {
        match self {
            Ty::NonNull(t) => *t,
            other => other,
        }
    }
    /// The same wrappers around another base name (`withNamedNodeNamed`).
    pub fn with_base(&self, name: &str) -> Ty {
        match self {
            Ty::Named(_) => Ty::named(name),
            Ty::List(t) => Ty::List(Box::new(t.with_base(name))),
            Ty::NonNull(t) => Ty::NonNull(Box::new(t.with_base(name))),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Named(n) => f.write_str(n),
            Ty::List(t) => write!(f, "[{t}]"),
            Ty::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

/// A directive use, its arguments already printed (`mutations: ["createTodo"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Option<String>,
}

impl Directive {
    pub fn new(name: &str) -> Directive {
        Directive { name: name.to_string(), args: None }
    }
    pub fn with_args(name: &str, args: String) -> Directive {
        Directive { name: name.to_string(), args: Some(args) }
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.args {
            Some(a) => write!(f, "@{}({a})", self.name),
            None => write!(f, "@{}", self.name),
        }
    }
}

/// Adds directives not yet present (by name), keeping the existing ones first.
pub fn merge_directives(into: &mut Vec<Directive>, add: &[Directive]) {
    for d in add {
        if !into.iter().any(|x| x.name == d.name) {
            into.push(d.clone());
        }
    }
}

/// An argument or an input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputValue {
    pub name: String,
    pub ty: Ty,
}

impl InputValue {
    pub fn new(name: &str, ty: Ty) -> InputValue {
        InputValue { name: name.to_string(), ty }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub args: Vec<InputValue>,
    pub ty: Ty,
    pub directives: Vec<Directive>,
}

impl Field {
    pub fn new(name: &str, ty: Ty) -> Field {
        Field { name: name.to_string(), args: vec![], ty, directives: vec![] }
    }
}

#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub name: String,
    pub fields: Vec<Field>,
    pub directives: Vec<Directive>,
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.name == name)
    }
    pub fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
}

#[derive(Debug, Clone)]
pub struct InputDef {
    pub name: String,
    pub fields: Vec<InputValue>,
}

impl InputDef {
    pub fn new(name: &str, fields: Vec<InputValue>) -> InputDef {
        InputDef { name: name.to_string(), fields }
    }
    pub fn has_field(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name == name)
    }
    pub fn field_mut(&mut self, name: &str) -> Option<&mut InputValue> {
        self.fields.iter_mut().find(|f| f.name == name)
    }
    /// Appends a field unless one of that name exists.
    pub fn add_missing(&mut self, name: &str, ty: Ty) {
        if !self.has_field(name) {
            self.fields.push(InputValue::new(name, ty));
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Def {
    Object(ObjectDef),
    Input(InputDef),
    Enum(EnumDef),
}

impl Def {
    fn name(&self) -> &str {
        match self {
            Def::Object(o) => &o.name,
            Def::Input(i) => &i.name,
            Def::Enum(e) => &e.name,
        }
    }
}

/// The output document, in insertion order.
#[derive(Debug, Default)]
pub struct Doc {
    defs: Vec<Def>,
    index: HashMap<String, usize>,
}

impl Doc {
    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Adds a definition unless one of that name exists; returns whether it was added.
    pub fn add(&mut self, def: Def) -> bool {
        if self.has(def.name()) {
            return false;
        }
        self.index.insert(def.name().to_string(), self.defs.len());
        self.defs.push(def);
        true
    }

    /// Replaces (or adds) a definition of the same name.
    pub fn put(&mut self, def: Def) {
        match self.index.get(def.name()) {
            Some(&i) => self.defs[i] = def,
            None => {
                self.add(def);
            }
        }
    }

    pub fn add_input(&mut self, input: InputDef) -> bool {
        self.add(Def::Input(input))
    }

    pub fn is_enum(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Def::Enum(_)))
    }

    pub fn get(&self, name: &str) -> Option<&Def> {
        self.index.get(name).map(|&i| &self.defs[i])
    }

    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        match self.get(name) {
            Some(Def::Object(o)) => Some(o),
            _ => None,
        }
    }

    pub fn object_mut(&mut self, name: &str) -> Option<&mut ObjectDef> {
        match self.index.get(name).map(|&i| &mut self.defs[i]) {
            Some(Def::Object(o)) => Some(o),
            _ => None,
        }
    }

    pub fn input_mut(&mut self, name: &str) -> Option<&mut InputDef> {
        match self.index.get(name).map(|&i| &mut self.defs[i]) {
            Some(Def::Input(i)) => Some(i),
            _ => None,
        }
    }

    /// The object, created empty when missing (`Query`, `Mutation`, `Subscription`).
    pub fn ensure_object(&mut self, name: &str) -> &mut ObjectDef {
        if !self.has(name) {
            self.add(Def::Object(ObjectDef { name: name.to_string(), fields: vec![], directives: vec![] }));
        }
        self.object_mut(name).expect("object")
    }

    /// `extendTypeWithDirectives`.
    pub fn extend_type(&mut self, name: &str, dirs: &[Directive]) {
        if let Some(o) = self.object_mut(name) {
            merge_directives(&mut o.directives, dirs);
        }
    }

    /// `addDirectivesToField`.
    pub fn extend_field(&mut self, type_name: &str, field: &str, dirs: &[Directive]) {
        if let Some(f) = self.object_mut(type_name).and_then(|o| o.field_mut(field)) {
            merge_directives(&mut f.directives, dirs);
        }
    }

    /// `addDirectivesToOperation`: the field and the type it returns (when a named type).
    pub fn extend_operation(&mut self, type_name: &str, field: &str, dirs: &[Directive]) {
        let ret = self.object(type_name).and_then(|o| o.field(field)).map(|f| f.ty.clone());
        self.extend_field(type_name, field, dirs);
        if let Some(Ty::Named(ret)) = ret {
            self.extend_type(&ret, dirs);
        }
    }

    pub fn print(&self) -> String {
        let mut out = String::new();
        for def in &self.defs {
            // The transformer creates `Mutation`/`Subscription` for every model; empty ones are
            // not part of the printed schema.
            if matches!(def, Def::Object(o) if o.fields.is_empty()) {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            match def {
                Def::Object(o) => {
                    let _ = write!(out, "type {}", o.name);
                    for d in &o.directives {
                        let _ = write!(out, " {d}");
                    }
                    out.push_str(" {\n");
                    for f in &o.fields {
                        let _ = write!(out, "  {}", f.name);
                        if !f.args.is_empty() {
                            let args: Vec<String> = f.args.iter().map(|a| format!("{}: {}", a.name, a.ty)).collect();
                            let _ = write!(out, "({})", args.join(", "));
                        }
                        let _ = write!(out, ": {}", f.ty);
                        for d in &f.directives {
                            let _ = write!(out, " {d}");
                        }
                        out.push('\n');
                    }
                    out.push_str("}\n");
                }
                Def::Input(i) => {
                    let _ = writeln!(out, "input {} {{", i.name);
                    for f in &i.fields {
                        let _ = writeln!(out, "  {}: {}", f.name, f.ty);
                    }
                    out.push_str("}\n");
                }
                Def::Enum(e) => {
                    let _ = writeln!(out, "enum {} {{", e.name);
                    for v in &e.values {
                        let _ = writeln!(out, "  {v}");
                    }
                    out.push_str("}\n");
                }
            }
        }
        out
    }
}
