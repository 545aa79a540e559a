//! The data schema record (from the `a` builder or from Gen 1 SDL) → validated [`Schema`].
//!
//! This is where Amplify's schema conventions live once: implicit `id`, owner/group fields and
//! timestamps, hoisting of inline enums/custom types as `<Parent><Field>`, schema-level rules
//! applied to models without their own, default index query fields, and the checks that make a
//! broken definition fail with a sentence at the right `file:line:col`.

use std::collections::HashMap;

use serde_json::Value;

use crate::ir::*;
use crate::record::{bool_of, capitalize, function_ref, str_of, strings_of, Reader};
use crate::naming::{default_index_name, default_query_field, lower_first};
use crate::rules::{convert_rules, RuleTarget};

/// What a type name in the schema refers to, for resolving `a.ref(...)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Model,
    CustomType,
    Enum,
    Operation,
}

struct Builder<'r> {
    reader: &'r mut Reader,
    kinds: HashMap<String, Kind>,
    schema: Schema,
    /// Call sites of relationship fields, for errors found once all models are known.
    relationship_locs: HashMap<(String, String), Value>,
    /// Database engine of the schema part being converted (`dynamodb`, `mysql`, `postgresql`).
    engine: String,
}

/// Converts a schema record (`kind: schema | combined`) into the IR.
pub fn convert_schema(reader: &mut Reader, record: &Value) -> Schema {
    let parts: Vec<&Value> = match str_of(record, "kind") {
        Some("combined") => record.get("schemas").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default(),
        _ => vec![record],
    };
    let mut b = Builder { reader, kinds: HashMap::new(), schema: Schema::default(), relationship_locs: HashMap::new(), engine: "dynamodb".into() };
    // First pass: names, so forward references resolve.
    for part in &parts {
        for (name, ty) in types_of(part) {
            let kind = match str_of(ty, "kind") {
                Some("model") => Kind::Model,
                Some("customType") => Kind::CustomType,
                Some("enum") => Kind::Enum,
                Some("customOperation") => Kind::Operation,
                other => {
                    b.reader.error(ty, format!("`{name}` in the schema is not a model, custom type, enum or operation (got {other:?})"));
                    continue;
                }
            };
            if b.kinds.insert(name.clone(), kind).is_some() {
                b.reader.error(ty, format!("duplicate type `{name}`: each model, type and operation name must be unique"));
            }
        }
    }
    for part in &parts {
        let schema_rules = part.get("authorization").cloned().unwrap_or(Value::Array(vec![]));
        b.engine = part.pointer("/configuration/database/engine").and_then(Value::as_str).unwrap_or("dynamodb").to_string();
        for (name, ty) in types_of(part) {
            match b.kinds.get(&name) {
                Some(Kind::Model) => b.model(&name, ty, &schema_rules),
                Some(Kind::CustomType) => b.custom_type(&name, ty),
                Some(Kind::Enum) => b.enum_type(&name, ty),
                Some(Kind::Operation) => b.operation(&name, ty, &schema_rules),
                None => {}
            }
        }
        // Schema-level `allow.resource(fn)`: functions that may call the API.
        for rule in schema_rules.as_array().into_iter().flatten() {
            if str_of(rule, "strategy") == Some("resource") {
                let function = rule.get("resource").and_then(function_ref);
                let ops = strings_of(rule, "operations");
                match function {
                    Some(function) => b.schema.function_access.push(FunctionAccess {
                        function,
                        operations: if ops.is_empty() { vec!["query".into(), "mutate".into(), "listen".into()] } else { ops },
                    }),
                    None => b.reader.error(rule, "allow.resource() needs a function from defineFunction()"),
                }
            }
        }
    }
    b.validate_relationships();
    infer_subscription_returns(&mut b.schema);
    b.schema
}

/// A custom subscription without `.returns()` returns what its first source returns: the
/// custom mutation's type, or the model for `createX`-style sources (as the builder does).
fn infer_subscription_returns(schema: &mut Schema) {
    let mutations = schema.mutations.clone();
    let models: Vec<String> = schema.models.iter().map(|m| m.name.clone()).collect();
    for sub in &mut schema.subscriptions {
        if !sub.returns_inferred {
            continue;
        }
        let Some(source) = sub.subscription_sources.first() else { continue };
        if let Some(m) = mutations.iter().find(|m| &m.name == source) {
            sub.returns = m.returns.clone();
        } else if let Some(model) = ["create", "update", "delete"].iter().find_map(|p| source.strip_prefix(p)).filter(|m| models.iter().any(|x| x == m)) {
            sub.returns = TypeRef { base: BaseType::Model(model.to_string()), required: false, list: false, list_required: false };
        }
    }
}

fn types_of(part: &Value) -> Vec<(String, &Value)> {
    part.get("types")
        .and_then(Value::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn fields_of(v: &Value) -> Vec<(String, &Value)> {
    v.get("fields")
        .and_then(Value::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn timestamp_field(name: &str) -> Field {
    Field {
        name: name.into(),
        ty: TypeRef { base: BaseType::Scalar(Scalar::AWSDateTime), required: true, list: false, list_required: false },
        relationship: None,
        default: None,
        auth: None,
        origin: FieldOrigin::Timestamp,
        validation: vec![],
    }
}

impl Builder<'_> {
    fn model(&mut self, name: &str, ty: &Value, schema_rules: &Value) {
        let own_rules = ty.get("authorization").and_then(Value::as_array).filter(|a| !a.is_empty());
        let rules_value = match own_rules {
            Some(r) => Value::Array(r.clone()),
            None => Value::Array(
                schema_rules.as_array().into_iter().flatten().filter(|r| str_of(r, "strategy") != Some("resource")).cloned().collect(),
            ),
        };
        let auth = convert_rules(self.reader, &rules_value, RuleTarget::Model);
        // SQL models (an existing database) are "static": no implicit fields, and no rules
        // means nobody may access them rather than an error, exactly as Amplify does.
        let sql = self.engine != "dynamodb";
        // Gen 1 SDL accepts a model without @auth (then only IAM callers reach it).
        if auth.is_empty() && !sql && !bool_of(ty, "sdl") {
            self.reader.error(ty, format!("model `{name}` has no authorization rules: add `.authorization(allow => [...])` to it or to the schema"));
        }
        let identifier = strings_of(ty, "identifier");
        let identifier = if identifier.is_empty() { vec!["id".to_string()] } else { identifier };
        let mut fields = Vec::new();
        let declared: Vec<(String, &Value)> = fields_of(ty);
        if !sql && identifier == ["id"] && !declared.iter().any(|(n, _)| n == "id") {
            fields.push(Field {
                name: "id".into(),
                ty: TypeRef { base: BaseType::Scalar(Scalar::ID), required: true, list: false, list_required: false },
                relationship: None,
                default: None,
                auth: None,
                origin: FieldOrigin::ImplicitId,
                validation: vec![],
            });
        }
        for (fname, fv) in &declared {
            if let Some(f) = self.field(name, fname, fv, true) {
                fields.push(f);
            }
        }
        // Fields implied by owner/group rules (model- and field-level), unless declared.
        let mut implied: Vec<(String, bool)> = Vec::new();
        let field_rules: Vec<AuthRule> = fields.iter().filter_map(|f| f.auth.clone()).flatten().collect();
        for rule in auth.iter().chain(field_rules.iter()) {
            if let Some(f) = &rule.field {
                if !implied.iter().any(|(n, _)| n == f) {
                    implied.push((f.clone(), rule.multi));
                }
            }
        }
        for (fname, multi) in implied {
            match fields.iter().find(|f| f.name == fname) {
                Some(existing) => {
                    let ok = matches!(existing.ty.base, BaseType::Scalar(Scalar::String) | BaseType::Scalar(Scalar::ID)) && existing.ty.list == multi;
                    if !ok {
                        let want = if multi { "a.string().array()" } else { "a.string()" };
                        self.reader.error(ty, format!("field `{name}.{fname}` is used by an owner or group rule and must be {want}"));
                    }
                }
                None if sql => self.reader.error(ty, format!("field `{name}.{fname}` is used by an owner or group rule but is not a column of the SQL model")),
                None => fields.push(Field {
                    name: fname,
                    ty: TypeRef { base: BaseType::Scalar(Scalar::String), required: false, list: multi, list_required: false },
                    relationship: None,
                    default: None,
                    auth: None,
                    origin: FieldOrigin::ImplicitAuth,
                    validation: vec![],
                }),
            }
        }
        let model_args = ty.get("modelArgs").filter(|v| v.is_object()).cloned();
        let ts_arg = model_args.as_ref().and_then(|a| a.as_object()).and_then(|a| a.get("timestamps"));
        let timestamps = !sql && !matches!(ts_arg, Some(Value::Null));
        if timestamps {
            for ts in ["createdAt", "updatedAt"] {
                // `@model(timestamps: { createdAt: "createdOn" })` renames the managed field.
                let name = ts_arg.and_then(|t| t.get(ts)).and_then(Value::as_str).unwrap_or(ts);
                if !fields.iter().any(|f| f.name == name) {
                    fields.push(timestamp_field(name));
                }
            }
        }
        let mut disabled_operations = strings_of(ty, "disabledOperations");
        if let Some(args) = model_args.as_ref().and_then(|a| a.as_object()) {
            for group in ["queries", "mutations", "subscriptions"] {
                match args.get(group) {
                    Some(Value::Null) => disabled_operations.push(group.to_string()),
                    Some(Value::Object(ops)) => {
                        for (op, v) in ops {
                            if v.is_null() {
                                disabled_operations.push(op.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // The partition key is always non-null (`ID! @primaryKey`), whatever the builder said.
        if let Some(pk) = identifier.first() {
            if let Some(f) = fields.iter_mut().find(|f| &f.name == pk) {
                f.ty.required = true;
            }
        }
        let loc_node = ty.get("identifierLoc").filter(|v| !v.is_null()).unwrap_or(ty).clone();
        for key in &identifier {
            match fields.iter().find(|f| &f.name == key) {
                None => self.reader.error(&loc_node, format!("identifier field `{key}` is not a field of model `{name}`")),
                Some(f) if !f.ty.required && f.ty.base != BaseType::Scalar(Scalar::ID) => self.reader.error(
                    &loc_node,
                    format!("identifier field `{name}.{key}` must be required (add `.required()`)"),
                ),
                _ => {}
            }
        }
        let mut indexes = Vec::new();
        for idx in ty.get("secondaryIndexes").and_then(Value::as_array).into_iter().flatten() {
            let pk = str_of(idx, "partitionKey").unwrap_or_default().to_string();
            let sort_keys = strings_of(idx, "sortKeys");
            for key in std::iter::once(&pk).chain(sort_keys.iter()) {
                if !fields.iter().any(|f| &f.name == key) {
                    self.reader.error(idx, format!("secondary index of `{name}` uses `{key}`, which is not a field of the model"));
                }
            }
            let explicit_name = str_of(idx, "indexName").filter(|s| !s.is_empty());
            let index_name = explicit_name.map(str::to_string).unwrap_or_else(|| default_index_name(name, &pk, &sort_keys));
            let query_field = match idx.get("queryField") {
                Some(Value::Null) => None,
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                // Gen 1 SDL: Gen 2's transformer names the query after the index.
                _ if bool_of(idx, "sdl") => Some(default_index_name(name, &pk, &sort_keys)),
                _ => Some(default_query_field(name, &pk, &sort_keys)),
            };
            indexes.push(SecondaryIndex { name: index_name, partition_key: pk, sort_keys, query_field });
        }
        // The builder writes `@primaryKey` on the identifier field whenever it is declared.
        let primary_key_declared = ty.get("primaryKeyDeclared").and_then(Value::as_bool).unwrap_or_else(|| declared.iter().any(|(n, _)| Some(n) == identifier.first()));
        self.schema.models.push(Model {
            name: name.to_string(),
            fields,
            primary_key: identifier,
            primary_key_declared,
            indexes,
            auth,
            disabled_operations,
            original_name: str_of(ty, "originalName").map(str::to_string),
            timestamps,
            model_args,
            database: self.engine.clone(),
        });
    }

    /// One field of a model or custom type. Inline enums/custom types are hoisted.
    fn field(&mut self, parent: &str, fname: &str, fv: &Value, in_model: bool) -> Option<Field> {
        let auth_value = fv.get("authorization").filter(|a| a.as_array().is_some_and(|a| !a.is_empty()));
        let auth = auth_value.map(|a| convert_rules(self.reader, a, RuleTarget::Field));
        let kind = str_of(fv, "kind").unwrap_or("");
        let (ty, relationship, default) = match kind {
            "scalar" => {
                let tname = str_of(fv, "fieldType").unwrap_or("String");
                let Some(scalar) = Scalar::from_name(tname) else {
                    self.reader.error(fv, format!("unknown field type `{tname}` for `{parent}.{fname}`"));
                    return None;
                };
                let default = match fv.get("default") {
                    Some(Value::Object(o)) if o.contains_key("value") => o.get("value").cloned(),
                    Some(Value::Object(o)) if o.contains_key("generated") => {
                        if self.engine != "postgresql" {
                            self.reader.error(fv, format!("`{parent}.{fname}`: a generated `.default()` needs a PostgreSQL data source"));
                        } else if scalar != Scalar::Int {
                            self.reader.error(fv, format!("`{parent}.{fname}`: only Int fields can have a database-generated `.default()`"));
                        }
                        None
                    }
                    _ => None,
                };
                let ty = TypeRef { base: BaseType::Scalar(scalar), required: bool_of(fv, "required"), list: bool_of(fv, "array"), list_required: bool_of(fv, "arrayRequired") };
                (ty, None, default)
            }
            "ref" => {
                let link = str_of(fv, "link").unwrap_or_default();
                let base = match self.kinds.get(link) {
                    Some(Kind::Enum) => BaseType::Enum(link.to_string()),
                    Some(Kind::CustomType) => BaseType::CustomType(link.to_string()),
                    Some(Kind::Model) => {
                        self.reader.error(fv, format!("`{parent}.{fname}` uses a.ref('{link}'), but `{link}` is a model: use a.hasMany/a.hasOne/a.belongsTo for relationships"));
                        return None;
                    }
                    _ => {
                        self.reader.error(fv, format!("a.ref('{link}') in `{parent}.{fname}` refers to a type that is not defined in the schema"));
                        return None;
                    }
                };
                let ty = TypeRef { base, required: bool_of(fv, "valueRequired"), list: bool_of(fv, "array"), list_required: bool_of(fv, "arrayRequired") };
                (ty, None, None)
            }
            "enum" => {
                let hoisted = format!("{}{}", capitalize(parent), capitalize(fname));
                self.hoist_enum(&hoisted, fv);
                (TypeRef { base: BaseType::Enum(hoisted), required: false, list: false, list_required: false }, None, None)
            }
            "customType" => {
                let hoisted = format!("{}{}", capitalize(parent), capitalize(fname));
                self.kinds.insert(hoisted.clone(), Kind::CustomType);
                self.custom_type(&hoisted, fv);
                (TypeRef { base: BaseType::CustomType(hoisted), required: false, list: false, list_required: false }, None, None)
            }
            "relationship" if in_model => {
                let related = str_of(fv, "relatedModel").unwrap_or_default().to_string();
                if self.kinds.get(&related) != Some(&Kind::Model) {
                    self.reader.error(fv, format!("`{parent}.{fname}` relates to `{related}`, which is not a model in the schema"));
                    return None;
                }
                let rel_kind = match str_of(fv, "type") {
                    Some("hasMany") => RelationshipKind::HasMany,
                    Some("hasOne") => RelationshipKind::HasOne,
                    _ => RelationshipKind::BelongsTo,
                };
                let references = strings_of(fv, "references");
                self.relationship_locs.insert((parent.to_string(), fname.to_string()), fv.get("loc").cloned().unwrap_or(Value::Null));
                if references.is_empty() {
                    self.reader.error(fv, format!("`{parent}.{fname}`: a relationship needs its reference field, e.g. a.{}('{related}', '{}Id')", str_of(fv, "type").unwrap_or("hasMany"), lower_first(if rel_kind == RelationshipKind::BelongsTo { &related } else { parent })));
                }
                let ty = TypeRef {
                    base: BaseType::Model(related.clone()),
                    required: bool_of(fv, "valueRequired"),
                    list: bool_of(fv, "array"),
                    list_required: bool_of(fv, "arrayRequired"),
                };
                (ty, Some(Relationship { kind: rel_kind, related_model: related, references }), None)
            }
            "relationship" => {
                self.reader.error(fv, format!("`{parent}.{fname}`: relationships are only allowed on models"));
                return None;
            }
            other => {
                self.reader.error(fv, format!("`{parent}.{fname}` is not a field definition (got {other:?})"));
                return None;
            }
        };
        Some(Field {
            name: fname.to_string(),
            ty,
            relationship,
            default,
            auth,
            origin: FieldOrigin::Declared,
            validation: fv.get("validation").and_then(Value::as_array).cloned().unwrap_or_default(),
        })
    }

    fn hoist_enum(&mut self, name: &str, ty: &Value) {
        self.kinds.insert(name.to_string(), Kind::Enum);
        self.enum_type(name, ty);
    }

    fn custom_type(&mut self, name: &str, ty: &Value) {
        let mut fields = Vec::new();
        for (fname, fv) in fields_of(ty) {
            if let Some(f) = self.field(name, &fname, fv, false) {
                fields.push(f);
            }
        }
        self.schema.custom_types.push(CustomType { name: name.to_string(), fields });
    }

    fn enum_type(&mut self, name: &str, ty: &Value) {
        let values = strings_of(ty, "values");
        for v in &values {
            if v.chars().any(char::is_whitespace) || v.is_empty() {
                self.reader.error(ty, format!("values of the enum `{name}` must not contain whitespace (got {v:?})"));
            }
        }
        if self.schema.enums.iter().any(|e| e.name == name) {
            return;
        }
        self.schema.enums.push(EnumType { name: name.to_string(), values });
    }

    fn operation(&mut self, name: &str, op: &Value, schema_rules: &Value) {
        crate::operations::convert_operation(self.reader, name, op, schema_rules, &mut |link| match self_kind(&self.kinds, link) {
            Some(Kind::Model) => Some(BaseType::Model(link.to_string())),
            Some(Kind::CustomType) => Some(BaseType::CustomType(link.to_string())),
            Some(Kind::Enum) => Some(BaseType::Enum(link.to_string())),
            _ => None,
        })
        .map(|(op, hoisted_types, hoisted_enums)| {
            for t in hoisted_types {
                self.kinds.insert(t.name.clone(), Kind::CustomType);
                self.schema.custom_types.push(t);
            }
            for e in hoisted_enums {
                if !self.schema.enums.iter().any(|x| x.name == e.name) {
                    self.schema.enums.push(e);
                }
            }
            match op.kind {
                OperationKind::Query => self.schema.queries.push(op),
                OperationKind::Mutation => self.schema.mutations.push(op),
                OperationKind::Subscription => self.schema.subscriptions.push(op),
            }
        });
    }

    /// Every relationship's reference fields exist on the side that holds them, with a
    /// matching counterpart on the related model.
    fn validate_relationships(&mut self) {
        let models = self.schema.models.clone();
        for m in &models {
            for f in &m.fields {
                let Some(rel) = &f.relationship else { continue };
                let Some(related) = models.iter().find(|x| x.name == rel.related_model) else { continue };
                let (holder, holder_name) = match rel.kind {
                    RelationshipKind::BelongsTo => (m, &m.name),
                    _ => (related, &related.name),
                };
                let at = serde_json::json!({ "loc": self.field_loc(&m.name, &f.name) });
                for r in &rel.references {
                    if holder.field(r).is_none() {
                        self.reader.error(&at, format!("`{}.{}` references `{r}`, but `{holder_name}` has no field `{r}`: add `{r}: a.id()` to `{holder_name}`", m.name, f.name));
                    }
                }
                let counterpart = related.fields.iter().any(|rf| {
                    rf.relationship.as_ref().is_some_and(|rr| rr.related_model == m.name && rr.references == rel.references && (rr.kind == RelationshipKind::BelongsTo) != (rel.kind == RelationshipKind::BelongsTo))
                });
                if !counterpart && !rel.references.is_empty() {
                    let want = match rel.kind {
                        RelationshipKind::BelongsTo => format!("a.hasMany('{}', '{}') or a.hasOne(...)", m.name, rel.references.join("', '")),
                        _ => format!("a.belongsTo('{}', '{}')", m.name, rel.references.join("', '")),
                    };
                    self.reader.error(&at, format!("`{}.{}` has no matching relationship on `{}`: add {want} there", m.name, f.name, related.name));
                }
            }
        }
    }

    fn field_loc(&self, model: &str, field: &str) -> Value {
        self.relationship_locs.get(&(model.to_string(), field.to_string())).cloned().unwrap_or(Value::Null)
    }
}

fn self_kind<'a>(kinds: &'a HashMap<String, Kind>, link: &str) -> Option<&'a Kind> {
    kinds.get(link)
}
