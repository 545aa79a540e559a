//! Custom queries, mutations and subscriptions (`a.query()` …) → [`CustomOperation`].

use std::path::PathBuf;

use serde_json::Value;

use crate::ir::*;
use crate::record::{bool_of, capitalize, function_ref, str_of, strings_of, Reader};
use crate::rules::{convert_rules, RuleTarget};

type Resolve<'a> = dyn FnMut(&str) -> Option<BaseType> + 'a;

/// Result: the operation plus custom types and enums it declared inline (hoisted).
pub fn convert_operation(
    reader: &mut Reader,
    name: &str,
    op: &Value,
    schema_rules: &Value,
    resolve: &mut Resolve<'_>,
) -> Option<(CustomOperation, Vec<CustomType>, Vec<EnumType>)> {
    let kind = match str_of(op, "typeName") {
        Some("Query") => OperationKind::Query,
        Some("Mutation") => OperationKind::Mutation,
        Some("Subscription") => OperationKind::Subscription,
        other => {
            reader.error(op, format!("`{name}`: unsupported custom operation kind {other:?}"));
            return None;
        }
    };
    let own = op.get("authorization").filter(|a| a.as_array().is_some_and(|a| !a.is_empty()));
    let rules_value = own.cloned().unwrap_or_else(|| {
        Value::Array(schema_rules.as_array().into_iter().flatten().filter(|r| str_of(r, "strategy") != Some("resource")).cloned().collect())
    });
    let auth = convert_rules(reader, &rules_value, RuleTarget::Operation);
    let handlers = convert_handlers(reader, name, op);
    let has_rules = rules_value.as_array().is_some_and(|a| !a.is_empty());
    if handlers.is_empty() == has_rules {
        reader.error(op, format!("custom operation `{name}` requires both an authorization rule and a handler (.handler(a.handler.function(...)) or a.handler.custom(...))"));
    }
    let mut hoisted_types = Vec::new();
    let mut hoisted_enums = Vec::new();
    let mut arguments = Vec::new();
    for (arg, av) in op.get("arguments").and_then(Value::as_object).into_iter().flatten() {
        let hoist_name = format!("{}{}", capitalize(name), capitalize(arg));
        if let Some(ty) = type_of(reader, name, arg, av, &hoist_name, resolve, &mut hoisted_types, &mut hoisted_enums) {
            arguments.push(Argument { name: arg.clone(), ty });
        }
    }
    let is_async = handlers.last().is_some_and(|h| matches!(h, Handler::Function { asynchronous: true, .. }));
    let sources: Vec<String> = op
        .get("subscriptionSource")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|src| {
            let link = str_of(src, "link").unwrap_or_default().to_string();
            let ops = strings_of(src, "mutationOperations");
            if ops.is_empty() { vec![link] } else { ops.iter().map(|o| format!("{o}{}", capitalize(&link))).collect() }
        })
        .collect();
    if kind != OperationKind::Subscription && !sources.is_empty() {
        reader.error(op, format!("`{name}`: .for() can only be used on a custom subscription"));
    }
    if kind == OperationKind::Subscription && sources.is_empty() {
        reader.error(op, format!("custom subscription `{name}` needs a mutation source: .for(a.ref('mutationName'))"));
    }
    let returns_inferred = kind == OperationKind::Subscription && op.get("returnType").is_none_or(Value::is_null);
    let returns = if is_async {
        if !hoisted_types.iter().any(|t: &CustomType| t.name == "EventInvocationResponse") {
            hoisted_types.push(CustomType {
                name: "EventInvocationResponse".into(),
                fields: vec![Field {
                    name: "success".into(),
                    ty: TypeRef { base: BaseType::Scalar(Scalar::Boolean), required: true, list: false, list_required: false },
                    relationship: None,
                    default: None,
                    auth: None,
                    origin: FieldOrigin::Declared,
                    validation: vec![],
                }],
            });
        }
        TypeRef { base: BaseType::CustomType("EventInvocationResponse".into()), required: false, list: false, list_required: false }
    } else {
        match op.get("returnType").filter(|v| !v.is_null()) {
            Some(rt) => {
                let hoist_name = format!("{}ReturnType", capitalize(name));
                type_of(reader, name, "returns", rt, &hoist_name, resolve, &mut hoisted_types, &mut hoisted_enums)?
            }
            None if kind == OperationKind::Subscription => TypeRef { base: BaseType::Scalar(Scalar::String), required: false, list: false, list_required: false },
            None => {
                reader.error(op, format!("custom operation `{name}` must declare a return type with .returns(...)"));
                return None;
            }
        }
    };
    let op_ir = CustomOperation { name: name.to_string(), kind, arguments, returns, auth, handlers, subscription_sources: sources, returns_inferred };
    Some((op_ir, hoisted_types, hoisted_enums))
}

#[allow(clippy::too_many_arguments)]
fn type_of(
    reader: &mut Reader,
    op: &str,
    what: &str,
    v: &Value,
    hoist_name: &str,
    resolve: &mut Resolve<'_>,
    types: &mut Vec<CustomType>,
    enums: &mut Vec<EnumType>,
) -> Option<TypeRef> {
    match str_of(v, "kind") {
        Some("scalar") => {
            let tname = str_of(v, "fieldType").unwrap_or("String");
            let scalar = Scalar::from_name(tname)?;
            Some(TypeRef { base: BaseType::Scalar(scalar), required: bool_of(v, "required"), list: bool_of(v, "array"), list_required: bool_of(v, "arrayRequired") })
        }
        Some("ref") => {
            let link = str_of(v, "link").unwrap_or_default();
            match resolve(link) {
                Some(base) => Some(TypeRef { base, required: bool_of(v, "valueRequired"), list: bool_of(v, "array"), list_required: bool_of(v, "arrayRequired") }),
                None => {
                    reader.error(v, format!("a.ref('{link}') in `{op}` ({what}) refers to a type that is not defined in the schema"));
                    None
                }
            }
        }
        Some("enum") => {
            enums.push(EnumType { name: hoist_name.to_string(), values: strings_of(v, "values") });
            Some(TypeRef { base: BaseType::Enum(hoist_name.to_string()), required: false, list: false, list_required: false })
        }
        Some("customType") => {
            let mut fields = Vec::new();
            for (fname, fv) in v.get("fields").and_then(Value::as_object).into_iter().flatten() {
                let nested = format!("{}{}", capitalize(hoist_name), capitalize(fname));
                if let Some(ty) = type_of(reader, op, fname, fv, &nested, resolve, types, enums) {
                    fields.push(Field { name: fname.clone(), ty, relationship: None, default: None, auth: None, origin: FieldOrigin::Declared, validation: vec![] });
                }
            }
            types.push(CustomType { name: hoist_name.to_string(), fields });
            Some(TypeRef { base: BaseType::CustomType(hoist_name.to_string()), required: false, list: false, list_required: false })
        }
        other => {
            reader.error(v, format!("`{op}`: {what} is not a type (got {other:?})"));
            None
        }
    }
}

fn convert_handlers(reader: &mut Reader, name: &str, op: &Value) -> Vec<Handler> {
    let mut out = Vec::new();
    let list = op.get("handlers").and_then(Value::as_array).cloned().unwrap_or_default();
    for h in &list {
        let handler = match str_of(h, "kind") {
            Some("function") => {
                let function = h.get("function").and_then(|f| function_ref(f).or_else(|| f.as_str().map(str::to_string)));
                match function {
                    Some(function) => Handler::Function { function, asynchronous: str_of(h, "invocationType") == Some("Event") },
                    None => {
                        reader.error(h, format!("`{name}`: a.handler.function() expects a function from defineFunction() or a function name"));
                        continue;
                    }
                }
            }
            Some("custom") => Handler::Custom {
                entry: match str_of(h, "entry") {
                    Some(e) => {
                        let path = resolve_relative(h, e);
                        let clean = crate::paths::normalize(&path);
                        match std::fs::read_to_string(&clean) {
                            // A resolver that does not parse fails the load, as it fails an AppSync deployment.
                            Ok(src) => {
                                if let Err(d) = crate::transpile::transpile(&clean, &src) {
                                    reader.errors.push(d);
                                }
                            }
                            Err(_) => reader.error(h, format!("`{name}`: the custom handler's entry `{e}` does not exist (expected {})", clean.display())),
                        }
                        Some(path)
                    }
                    None => {
                        reader.error(h, format!("`{name}`: a.handler.custom() needs an `entry` (the AppSync JS resolver file)"));
                        None
                    }
                },
                // `a.ref('Model')` means the model's table data source, which Amplify names `ModelTable`.
                data_source: h.get("dataSource").and_then(|d| {
                    d.as_str().map(str::to_string).or_else(|| d.get("$cdk").and_then(Value::as_str).map(str::to_string)).or_else(|| {
                        (str_of(d, "kind") == Some("ref")).then(|| format!("{}Table", str_of(d, "link").unwrap_or_default()))
                    })
                }),
            },
            Some("inlineSql") => Handler::InlineSql { sql: str_of(h, "sql").unwrap_or_default().to_string() },
            Some("sqlReference") => Handler::SqlReference { path: resolve_relative(h, str_of(h, "entry").unwrap_or_default()) },
            other => {
                reader.error(h, format!("`{name}`: not a handler (got {other:?}); use a.handler.function(...), a.handler.custom(...)"));
                continue;
            }
        };
        out.push(handler);
    }
    let kinds: std::collections::BTreeSet<&str> = list.iter().filter_map(|h| str_of(h, "kind")).collect();
    if kinds.len() > 1 {
        reader.error(op, format!("`{name}`: all handlers of one operation must be of the same type (got {})", kinds.into_iter().collect::<Vec<_>>().join(", ")));
    }
    out
}

/// Handler entries are relative to the file that called `a.handler.*`.
fn resolve_relative(h: &Value, entry: &str) -> PathBuf {
    let p = PathBuf::from(entry);
    if p.is_absolute() {
        return p;
    }
    match str_of(h, "dir") {
        Some(dir) => PathBuf::from(dir).join(p),
        None => p,
    }
}
