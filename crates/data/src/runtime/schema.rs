//! The executable schema: the generated AppSync SDL ([`crate::appsync_schema`]) parsed and
//! registered type by type with async-graphql's dynamic schema, so introspection shows exactly
//! the schema Amplify deploys, with resolvers attached from the IR.
//!
//! - `Query`/`Mutation` fields: the model operation of that name ([`RootOp`]); custom operations
//!   answer "not available yet" (their handlers belong to the functions service).
//! - `Subscription` fields: [`crate::realtime`] resolvers (served on the realtime endpoint; over
//!   HTTP they are refused as AppSync does); `Mutation` results are published to them.
//! - Fields of model types: stored attributes, field-level rules, relationships ([`relations`]).
//! - Every other object (connections, custom types): the attribute of the parent JSON value.
//! - AWS scalars: validated on input ([`scalars`]), shaped on output.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, Scalar, Schema, SchemaBuilder, Subscription, TypeRef,
    Union,
};
use async_graphql::parser::types::{BaseType, Type, TypeKind};
use async_graphql::{Name, Value as GqlValue};
use definition::ir::{Backend, CustomOperation, SecondaryIndex};
use serde_json::Value;

use super::auth::{self, Access};
use super::error::DataError;
use super::ops::{self, ListTarget};
use super::plan::ModelPlan;
use super::relations;
use super::request::{req, RequestCtx};
use super::scalars::{self, AWS_SCALARS};
use super::values::args_json;

/// Query depth and size limits (AppSync allows depth 75 by default; we stay well within).
pub const MAX_DEPTH: usize = 20;
pub const MAX_COMPLEXITY: usize = 50_000;

/// What a root field does.
#[derive(Clone)]
enum RootOp {
    Get(Arc<ModelPlan>),
    List(Arc<ModelPlan>),
    Index(Arc<ModelPlan>, SecondaryIndex),
    Create(Arc<ModelPlan>),
    Update(Arc<ModelPlan>),
    Delete(Arc<ModelPlan>),
    Custom(Arc<CustomOperation>),
    Unmanaged(Arc<ModelPlan>),
}

fn root_ops(plans: &HashMap<String, Arc<ModelPlan>>, backend: &Backend) -> HashMap<String, RootOp> {
    let mut out = HashMap::new();
    for p in plans.values() {
        let ops = &p.ops;
        let mut add = |name: &Option<String>, op: RootOp| {
            if let Some(n) = name {
                out.insert(n.clone(), if p.managed { op } else { RootOp::Unmanaged(p.clone()) });
            }
        };
        add(&ops.get, RootOp::Get(p.clone()));
        add(&ops.list, RootOp::List(p.clone()));
        add(&ops.create, RootOp::Create(p.clone()));
        add(&ops.update, RootOp::Update(p.clone()));
        add(&ops.delete, RootOp::Delete(p.clone()));
        for idx in &p.ir.indexes {
            add(&idx.query_field, RootOp::Index(p.clone(), idx.clone()));
        }
    }
    if let Some(d) = &backend.data {
        for op in d.schema.queries.iter().chain(&d.schema.mutations) {
            out.insert(op.name.clone(), RootOp::Custom(Arc::new(op.clone())));
        }
    }
    out
}

fn type_ref(t: &Type) -> TypeRef {
    let inner = match &t.base {
        BaseType::Named(n) => TypeRef::Named(n.to_string().into()),
        BaseType::List(i) => TypeRef::List(Box::new(type_ref(i))),
    };
    if t.nullable {
        inner
    } else {
        TypeRef::NonNull(Box::new(inner))
    }
}

fn base_name(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(i) => base_name(i),
    }
}

/// How a stored value of a GraphQL type is returned.
#[derive(Clone, Copy, PartialEq)]
enum Leaf {
    Scalar,
    Enum,
    Object,
}

/// Builds the executable schema for `backend` (none when it has no data).
pub fn build(backend: &Backend, plans: &Arc<HashMap<String, Arc<ModelPlan>>>) -> Result<Option<Schema>, String> {
    let Some(data) = &backend.data else { return Ok(None) };
    let sdl = crate::appsync_schema::appsync_schema(&data.schema, &data.authorization_modes);
    let doc = async_graphql::parser::parse_schema(&sdl).map_err(|e| format!("generated schema does not parse: {e}"))?;
    let mut kinds: HashMap<String, Leaf> = HashMap::new();
    let mut defs = Vec::new();
    for def in doc.definitions {
        if let async_graphql::parser::types::TypeSystemDefinition::Type(t) = def {
            let t = t.node;
            let leaf = match &t.kind {
                TypeKind::Enum(_) => Leaf::Enum,
                TypeKind::Scalar => Leaf::Scalar,
                _ => Leaf::Object,
            };
            kinds.insert(t.name.node.to_string(), leaf);
            defs.push(t);
        }
    }
    let roots = root_ops(plans, backend);
    let object_fields: HashMap<String, std::collections::HashSet<String>> = defs
        .iter()
        .filter_map(|d| match &d.kind {
            TypeKind::Object(o) => Some((d.name.node.to_string(), o.fields.iter().map(|f| f.node.name.node.to_string()).collect())),
            _ => None,
        })
        .collect();
    let has = |n: &str| defs.iter().any(|d| d.name.node == n);
    let has_query = has("Query");
    let mut builder: SchemaBuilder = Schema::build("Query", has("Mutation").then_some("Mutation"), has("Subscription").then_some("Subscription"))
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(50);
    let referenced: std::collections::HashSet<String> = sdl.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').map(String::from).collect();
    for s in AWS_SCALARS.iter().filter(|s| referenced.contains(**s)) {
        let name = s.to_string();
        builder = builder.register(Scalar::new(*s).validator(move |v| scalars::valid(&name, v)));
    }
    for t in defs {
        let name = t.name.node.to_string();
        builder = match t.kind {
            TypeKind::Scalar => builder.register(Scalar::new(name)),
            TypeKind::Enum(e) => builder.register(Enum::new(name).items(e.values.iter().map(|v| v.node.value.node.to_string()))),
            TypeKind::InputObject(io) => {
                let mut obj = InputObject::new(name);
                for f in io.fields {
                    let f = f.node;
                    let mut iv = InputValue::new(f.name.node.to_string(), type_ref(&f.ty.node));
                    if let Some(d) = f.default_value {
                        iv = iv.default_value(d.node);
                    }
                    obj = obj.field(iv);
                }
                builder.register(obj)
            }
            TypeKind::Union(u) => {
                let mut un = Union::new(name);
                for m in u.members {
                    un = un.possible_type(m.node.to_string());
                }
                builder.register(un)
            }
            TypeKind::Interface(_) => return Err(format!("interface {name} is not supported by the runtime")),
            TypeKind::Object(o) if name == "Subscription" => {
                let mut sub = Subscription::new(name);
                for f in o.fields {
                    let f = f.node;
                    let fname = f.name.node.to_string();
                    let spec = crate::realtime::SubscriptionSpec {
                        sources: subscribed_mutations(&f.directives),
                        model: plans.get(base_name(&f.ty.node)).cloned(),
                        rules: backend.data.as_ref().and_then(|d| d.schema.subscriptions.iter().find(|s| s.name == fname)).map(|s| s.auth.clone()).unwrap_or_default(),
                        result_fields: object_fields.get(base_name(&f.ty.node)).cloned().unwrap_or_default(),
                        name: fname,
                    };
                    let mut sf = crate::realtime::subscription_field(spec, type_ref(&f.ty.node));
                    for a in f.arguments {
                        sf = sf.argument(InputValue::new(a.node.name.node.to_string(), type_ref(&a.node.ty.node)));
                    }
                    sub = sub.field(sf);
                }
                builder.register(sub)
            }
            TypeKind::Object(o) => {
                let model = plans.get(&name).filter(|_| name != "Query" && name != "Mutation").cloned();
                let mut obj = Object::new(name.clone());
                for f in o.fields {
                    let f = f.node;
                    let fname = f.name.node.to_string();
                    let ty = f.ty.node.clone();
                    let leaf = kinds.get(base_name(&ty)).copied().unwrap_or(Leaf::Scalar);
                    let mut field = match (name.as_str(), &model) {
                        ("Query" | "Mutation", _) => root_field(&name, &fname, &ty, roots.get(&fname).cloned()),
                        (_, Some(plan)) => model_field(plan.clone(), &fname, &ty, leaf),
                        _ => plain_field(&fname, &ty, leaf),
                    };
                    for a in f.arguments {
                        let a = a.node;
                        let mut iv = InputValue::new(a.name.node.to_string(), type_ref(&a.ty.node));
                        if let Some(d) = a.default_value {
                            iv = iv.default_value(d.node);
                        }
                        field = field.argument(iv);
                    }
                    obj = obj.field(field);
                }
                builder.register(obj)
            }
        };
    }
    if !has_query {
        // GraphQL needs a query root; AppSync schemas with only mutations have none.
        builder = builder.register(Object::new("Query").field(Field::new("_", TypeRef::named(TypeRef::STRING), |_| FieldFuture::from_value(None))));
    }
    builder.finish().map(Some).map_err(|e| format!("the generated schema is not executable: {e}"))
}

/// The mutations of a field's `@aws_subscribe(mutations: [...])` directive.
fn subscribed_mutations(directives: &[async_graphql::Positioned<async_graphql::parser::types::ConstDirective>]) -> Vec<String> {
    directives
        .iter()
        .filter(|d| d.node.name.node == "aws_subscribe")
        .filter_map(|d| d.node.get_argument("mutations"))
        .flat_map(|v| match &v.node {
            async_graphql::Value::List(l) => l.iter().filter_map(|m| if let async_graphql::Value::String(s) = m { Some(s.clone()) } else { None }).collect(),
            _ => vec![],
        })
        .collect()
}

/// A stored JSON value as the field value of type `ty`.
fn output<'a>(v: &'a Value, ty: &Type, leaf: Leaf) -> Option<FieldValue<'a>> {
    if v.is_null() {
        return None;
    }
    if let BaseType::List(inner) = &ty.base {
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        return Some(FieldValue::list(items.into_iter().map(|i| output(i, inner, leaf).unwrap_or(FieldValue::NULL))));
    }
    Some(match leaf {
        Leaf::Object => FieldValue::borrowed_any(v),
        Leaf::Enum => FieldValue::value(v.as_str().map(|s| GqlValue::Enum(Name::new(s))).unwrap_or(GqlValue::Null)),
        Leaf::Scalar => FieldValue::value(scalars::to_output(base_name(ty), v)),
    })
}

/// An owned JSON value (a resolver's result) as a field value of an object type.
fn owned(v: Value) -> Option<FieldValue<'static>> {
    (!v.is_null()).then(|| FieldValue::owned_any(v))
}

fn parent_json<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Value> {
    ctx.parent_value.try_downcast_ref::<Value>()
}

fn plain_field(name: &str, ty: &Type, leaf: Leaf) -> Field {
    let (key, ty2) = (name.to_string(), ty.clone());
    Field::new(name, type_ref(ty), move |ctx| {
        let (key, ty2) = (key.clone(), ty2.clone());
        FieldFuture::new(async move {
            let parent = parent_json(&ctx)?;
            Ok(parent.get(&key).and_then(|v| output(v, &ty2, leaf)))
        })
    })
}

fn model_field(plan: Arc<ModelPlan>, name: &str, ty: &Type, leaf: Leaf) -> Field {
    let (key, ty2) = (name.to_string(), ty.clone());
    Field::new(name, type_ref(ty), move |ctx| {
        let (key, ty2, plan) = (key.clone(), ty2.clone(), plan.clone());
        FieldFuture::new(async move {
            let parent = parent_json(&ctx)?;
            let r = req(&ctx)?;
            let ir_field = plan.ir.field(&key);
            if let Some(rules) = ir_field.and_then(|f| f.auth.as_ref()) {
                let ok = match auth::decide(&r.caller, rules, "get") {
                    Access::All => true,
                    Access::Items(f) => auth::matches(&f, parent),
                    Access::Denied => false,
                };
                if !ok {
                    return Ok(fail(&ctx, DataError::unauthorized(&key, &plan.name)));
                }
            }
            if let Some(rel) = ir_field.and_then(|f| f.relationship.as_ref()) {
                if crate::realtime::redacts_relation(&ctx, r, &plan, rel) {
                    return Ok(None);
                }
                let args = args_json(&ctx.args);
                return Ok(match relations::resolve(r, &plan, &key, rel, parent, &args).await {
                    Ok(v) => owned(v),
                    Err(e) => fail(&ctx, e),
                });
            }
            Ok(parent.get(&key).and_then(|v| output(v, &ty2, leaf)))
        })
    })
}

/// Reports `e` at the field's path and resolves the field to null, as AppSync does.
fn fail<'a>(ctx: &ResolverContext<'a>, e: DataError) -> Option<FieldValue<'a>> {
    let err = async_graphql::Error::from(e).into_server_error(ctx.ctx.item.pos);
    ctx.add_error(ctx.set_error_path(err));
    None
}

fn root_field(parent: &str, name: &str, ty: &Type, op: Option<RootOp>) -> Field {
    let (parent, fname) = (parent.to_string(), name.to_string());
    Field::new(name, type_ref(ty), move |ctx| {
        let (op, parent, fname) = (op.clone(), parent.clone(), fname.clone());
        FieldFuture::new(async move {
            let r: &Arc<RequestCtx> = req(&ctx)?;
            let args = args_json(&ctx.args);
            // Root results are objects (model items, connections); a null stays null. Mutation
            // results are published to subscribers once committed.
            let result = if parent == "Mutation" {
                let record = match &op {
                    Some(RootOp::Create(p) | RootOp::Update(p) | RootOp::Delete(p)) => crate::realtime::subscription::record_key(p, &args),
                    _ => None,
                };
                crate::realtime::publish_after(&ctx, &fname, record, run_root(r, op, &parent, &fname, &args)).await
            } else {
                run_root(r, op, &parent, &fname, &args).await
            };
            Ok(match result {
                Ok(v) => owned(v),
                Err(e) => fail(&ctx, e),
            })
        })
    })
}

async fn run_root(r: &RequestCtx, op: Option<RootOp>, parent: &str, fname: &str, args: &serde_json::Map<String, Value>) -> Result<Value, DataError> {
    let Some(op) = op else { return Err(DataError::not_available(&format!("`{fname}` on {parent}"))) };
    Ok(match op {
        RootOp::Get(p) => ops::get(r, &p, fname, args).await?.unwrap_or(Value::Null),
        RootOp::List(p) => ops::list(r, &p, fname, args, ListTarget { index: None }).await?,
        RootOp::Index(p, idx) => ops::list(r, &p, fname, args, ListTarget { index: Some(&idx) }).await?,
        RootOp::Create(p) => ops::create(r, &p, fname, args).await?,
        RootOp::Update(p) => ops::update(r, &p, fname, args).await?,
        RootOp::Delete(p) => ops::delete(r, &p, fname, args).await?,
        RootOp::Custom(op) => {
            if auth::decide(&r.caller, &op.auth, "get") == Access::Denied {
                return Err(DataError::unauthorized(fname, parent));
            }
            return Err(DataError::not_available(&format!("The handler of the custom operation `{fname}`")));
        }
        RootOp::Unmanaged(p) => return Err(DataError::not_available(&format!("The SQL data source of model {}", p.name))),
    })
}
