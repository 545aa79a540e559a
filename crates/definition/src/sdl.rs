//! Gen 1 GraphQL SDL (`type Todo @model @auth(rules: [...])`) → the same schema record the `a`
//! builder produces, so both paths share one validator ([`crate::schema`]).

use async_graphql_parser::types::{BaseType as GqlBase, ConstDirective, FieldDefinition, Type, TypeKind, TypeSystemDefinition};
use async_graphql_parser::{parse_schema, Pos, Positioned};
use serde_json::{json, Map, Value};

use crate::diag::{Diagnostic, Position};
use crate::record::Loc;

/// Where the SDL text sits in its file, to turn SDL positions into file positions.
struct Origin {
    file: std::path::PathBuf,
    start: Option<Position>,
}

impl Origin {
    fn locate(file: &std::path::Path, sdl: &str) -> Origin {
        let start = std::fs::read_to_string(file).ok().and_then(|src| src.find(sdl).map(|off| Position::from_offset(&src, off)));
        Origin { file: file.to_path_buf(), start }
    }

    fn position(&self, pos: Pos) -> Option<Position> {
        let start = self.start?;
        let line = start.line + pos.line as u32 - 1;
        let col = if pos.line == 1 { start.col + pos.column as u32 - 1 } else { pos.column as u32 };
        Some(Position { line, col })
    }

    fn loc(&self, pos: Pos) -> Value {
        match self.position(pos) {
            Some(p) => json!({ "file": self.file, "line": p.line, "col": p.col, "mapped": true }),
            None => Value::Null,
        }
    }
}

pub fn sdl_to_record(sdl: &str, at: &Loc) -> Result<Value, Diagnostic> {
    let origin = Origin::locate(&at.file, sdl);
    let doc = parse_schema(sdl).map_err(|e| {
        let pos = e.positions().next().and_then(|p| origin.position(p)).or(at.position);
        Diagnostic::error(&at.file, pos, format!("GraphQL schema syntax error: {e}"))
    })?;
    let mut types = Map::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = &t.node;
        let name = t.name.node.to_string();
        let loc = origin.loc(t.name.pos);
        let record = match &t.kind {
            TypeKind::Enum(e) => json!({ "kind": "enum", "values": e.values.iter().map(|v| v.node.value.node.to_string()).collect::<Vec<_>>(), "loc": loc }),
            TypeKind::Object(o) if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) => {
                for f in &o.fields {
                    let op = operation(&name, &f.node, &origin);
                    types.insert(f.node.name.node.to_string(), op);
                }
                continue;
            }
            TypeKind::Object(o) => {
                let is_model = has(&t.directives, "model");
                let mut fields = Map::new();
                let mut identifier: Option<Vec<String>> = None;
                let mut indexes = Vec::new();
                for f in &o.fields {
                    let fname = f.node.name.node.to_string();
                    let floc = origin.loc(f.pos);
                    if let Some(d) = find(&f.node.directives, "primaryKey") {
                        let mut keys = vec![fname.clone()];
                        keys.extend(strings_arg(d, "sortKeyFields"));
                        identifier = Some(keys);
                    }
                    for d in f.node.directives.iter().filter(|d| d.node.name.node == "index") {
                        let query_field = arg(&d.node, "queryField");
                        indexes.push(json!({
                            "partitionKey": fname, "sortKeys": strings_arg(&d.node, "sortKeyFields"),
                            "indexName": arg(&d.node, "name").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                            "queryField": query_field.unwrap_or(Value::String(String::new())), "sdl": true, "loc": origin.loc(d.pos),
                        }));
                    }
                    fields.insert(fname, field(&f.node, floc, &origin));
                }
                let rules = auth_rules(&t.directives, &origin);
                let model_args = find(&t.directives, "model").filter(|d| !d.arguments.is_empty()).map(|d| {
                    Value::Object(d.arguments.iter().map(|(n, v)| (n.node.to_string(), v.node.clone().into_json().unwrap_or(Value::Null))).collect())
                });
                if is_model {
                    json!({ "kind": "model", "sdl": true, "fields": fields, "modelArgs": model_args, "primaryKeyDeclared": identifier.is_some(), "identifier": identifier.unwrap_or_else(|| vec!["id".into()]),
                            "secondaryIndexes": indexes, "authorization": rules, "disabledOperations": [], "loc": loc })
                } else {
                    json!({ "kind": "customType", "fields": fields, "loc": loc })
                }
            }
            _ => continue,
        };
        if types.contains_key(&name) {
            return Err(Diagnostic::error(&at.file, origin.position(t.name.pos).or(at.position), format!("duplicate type `{name}` in the GraphQL schema")));
        }
        types.insert(name, record);
    }
    // Owner/group fields declared as lists make the rule multi-owner, as in Gen 1.
    for ty in types.values_mut() {
        let model_name_fields: Vec<String> = ty.get("fields").and_then(Value::as_object).map(|f| f.keys().cloned().collect()).unwrap_or_default();
        let is_list = |f: &str, fields: &Value| fields.get(f).and_then(|x| x.get("array")).and_then(Value::as_bool).unwrap_or(false);
        let fields = ty.get("fields").cloned().unwrap_or(Value::Null);
        if let Some(rules) = ty.get_mut("authorization").and_then(Value::as_array_mut) {
            for r in rules {
                if let Some(f) = r.get("groupOrOwnerField").and_then(Value::as_str).map(str::to_string) {
                    if model_name_fields.contains(&f) && is_list(&f, &fields) {
                        r["multiOwner"] = Value::Bool(true);
                    }
                }
            }
        }
    }
    Ok(json!({ "kind": "schema", "types": types, "authorization": [] }))
}

fn has(dirs: &[Positioned<ConstDirective>], name: &str) -> bool {
    dirs.iter().any(|d| d.node.name.node == name)
}

fn find<'a>(dirs: &'a [Positioned<ConstDirective>], name: &str) -> Option<&'a ConstDirective> {
    dirs.iter().find(|d| d.node.name.node == name).map(|d| &d.node)
}

fn arg(d: &ConstDirective, name: &str) -> Option<Value> {
    d.arguments.iter().find(|(n, _)| n.node == name).and_then(|(_, v)| v.node.clone().into_json().ok())
}

fn strings_arg(d: &ConstDirective, name: &str) -> Vec<String> {
    match arg(d, name) {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s],
        _ => vec![],
    }
}

/// (base name, element required, is list, list required)
fn shape(ty: &Type) -> (String, bool, bool, bool) {
    match &ty.base {
        GqlBase::Named(n) => (n.to_string(), !ty.nullable, false, false),
        GqlBase::List(inner) => {
            let (n, req, _, _) = shape(inner);
            (n, req, true, !ty.nullable)
        }
    }
}

const SCALARS: &[&str] = &["ID", "String", "Int", "Float", "Boolean", "AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSPhone", "AWSURL", "AWSIPAddress"];

fn field(f: &FieldDefinition, loc: Value, origin: &Origin) -> Value {
    let (base, required, list, list_required) = shape(&f.ty.node);
    let auth = auth_rules(&f.directives, origin);
    for rel in ["hasMany", "hasOne", "belongsTo"] {
        if let Some(d) = find(&f.directives, rel) {
            return json!({ "kind": "relationship", "type": rel, "relatedModel": base, "references": strings_arg(d, "references"),
                           "array": list, "valueRequired": required && list, "arrayRequired": if list { list_required } else { required },
                           "authorization": auth, "loc": loc });
        }
    }
    let default = find(&f.directives, "default").and_then(|d| arg(d, "value")).map(|v| json!({ "value": typed_default(&base, v) }));
    if SCALARS.contains(&base.as_str()) {
        json!({ "kind": "scalar", "fieldType": base, "required": required, "array": list, "arrayRequired": list_required,
                "default": default, "authorization": auth, "loc": loc })
    } else {
        json!({ "kind": "ref", "link": base, "valueRequired": required, "array": list, "arrayRequired": list_required,
                "authorization": auth, "loc": loc })
    }
}

/// `@default(value: "5")` carries a string; store the value the field type means.
fn typed_default(base: &str, v: Value) -> Value {
    let Value::String(s) = &v else { return v };
    match base {
        "Int" => s.parse::<i64>().map(Value::from).unwrap_or(v),
        "Float" => s.parse::<f64>().ok().and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)).unwrap_or(v),
        "Boolean" => s.parse::<bool>().map(Value::Bool).unwrap_or(v),
        _ => v,
    }
}

fn operation(type_name: &str, f: &FieldDefinition, origin: &Origin) -> Value {
    let mut args = Map::new();
    for a in &f.arguments {
        let (base, required, list, list_required) = shape(&a.node.ty.node);
        let kind = if SCALARS.contains(&base.as_str()) { "scalar" } else { "ref" };
        args.insert(a.node.name.node.to_string(), json!({ "kind": kind, "fieldType": base, "link": base, "required": required,
            "valueRequired": required, "array": list, "arrayRequired": list_required }));
    }
    let returns = field(f, Value::Null, origin);
    let handlers: Vec<Value> = f
        .directives
        .iter()
        .filter(|d| d.node.name.node == "function")
        .filter_map(|d| arg(&d.node, "name"))
        .map(|n| json!({ "kind": "function", "function": n, "invocationType": "RequestResponse" }))
        .collect();
    let sources: Vec<Value> = find(&f.directives, "aws_subscribe")
        .map(|d| strings_arg(d, "mutations").into_iter().map(|m| json!({ "link": m })).collect())
        .unwrap_or_default();
    json!({ "kind": "customOperation", "typeName": type_name, "arguments": args, "returnType": returns,
            "authorization": auth_rules(&f.directives, origin), "handlers": if handlers.is_empty() { Value::Null } else { Value::Array(handlers) },
            "subscriptionSource": sources, "loc": origin.loc(f.name.pos) })
}

/// `@auth(rules: [{ allow: owner, ownerField: "x", provider: oidc, operations: [read] }])`.
fn auth_rules(dirs: &[Positioned<ConstDirective>], origin: &Origin) -> Value {
    let mut out = Vec::new();
    for d in dirs.iter().filter(|d| d.node.name.node == "auth") {
        let rules = arg(&d.node, "rules").unwrap_or(Value::Array(vec![]));
        for r in rules.as_array().into_iter().flatten() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            let strategy = s("allow").unwrap_or_default();
            let written = s("provider");
            let provider = written.clone().map(|p| if p == "iam" { "identityPool".to_string() } else { p });
            let field = match strategy.as_str() {
                "owner" => Some(s("ownerField").unwrap_or_else(|| "owner".into())),
                "groups" => s("groupsField"),
                _ => None,
            };
            out.push(json!({
                "strategy": strategy, "provider": provider, "providerWritten": written, "operations": r.get("operations"),
                "groupOrOwnerField": field, "multiOwner": false, "identityClaim": s("identityClaim"),
                "groupClaim": s("groupClaim"), "groups": r.get("groups"), "loc": origin.loc(d.pos),
            }));
        }
    }
    Value::Array(out)
}
