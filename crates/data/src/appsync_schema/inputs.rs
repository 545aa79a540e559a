//! The input types the model, primary-key and index transformers generate: scalar filter and
//! key-condition inputs, `Model<X>FilterInput`, `Model<X>ConditionInput`,
//! `ModelSubscription<X>FilterInput`, enum filters and `Create/Update/Delete<X>Input`.

use super::doc::{Def, Doc, EnumDef, InputDef, InputValue, ObjectDef, Ty};

/// `DEFAULT_SCALARS`: the filterable scalars and the standard scalar each maps to.
pub fn default_scalar(name: &str) -> Option<&'static str> {
    Some(match name {
        "String" | "AWSDate" | "AWSTime" | "AWSDateTime" | "AWSEmail" | "AWSJSON" | "AWSURL" | "AWSPhone" | "AWSIPAddress" => "String",
        "Int" | "BigInt" | "AWSTimestamp" => "Int",
        "Float" | "Double" => "Float",
        "Boolean" => "Boolean",
        "ID" => "ID",
        _ => return None,
    })
}

pub fn is_scalar(ty: &Ty) -> bool {
    default_scalar(ty.base()).is_some()
}

/// `ModelResourceIDs.ModelFilterScalarInputTypeName(name, false, subscription)`.
pub fn scalar_filter_name(type_name: &str, subscription: bool) -> String {
    let base = default_scalar(type_name).unwrap_or(type_name);
    format!("Model{}{base}Input", if subscription { "Subscription" } else { "" })
}

/// `ModelResourceIDs.ModelFilterListInputTypeName(name, false)`.
fn list_filter_name(type_name: &str) -> String {
    let base = default_scalar(type_name).unwrap_or(type_name);
    format!("Model{base}ListInput")
}

const STRING_CONDITIONS: &[&str] = &["ne", "eq", "le", "lt", "ge", "gt", "contains", "notContains", "between", "beginsWith"];
const NUMBER_CONDITIONS: &[&str] = &["ne", "eq", "le", "lt", "ge", "gt", "between"];
const BOOLEAN_CONDITIONS: &[&str] = &["ne", "eq"];
const ATTRIBUTE_TYPES: &[&str] = &["binary", "binarySet", "bool", "list", "map", "number", "numberSet", "string", "stringSet", "_null"];

fn scalar_input(scalar: &str, subscription: bool) -> InputDef {
    let base: &[&str] = match scalar {
        "String" | "ID" => STRING_CONDITIONS,
        "Int" | "Float" => NUMBER_CONDITIONS,
        _ => BOOLEAN_CONDITIONS,
    };
    let mut fields = Vec::new();
    for c in base.iter().copied().chain(if subscription && scalar != "Boolean" { vec!["in", "notIn"] } else { vec![] }) {
        let ty = Ty::named(scalar);
        fields.push(InputValue::new(c, if matches!(c, "between" | "in" | "notIn") { ty.list() } else { ty }));
    }
    if !subscription {
        fields.push(InputValue::new("attributeExists", Ty::named("Boolean")));
        fields.push(InputValue::new("attributeType", Ty::named("ModelAttributeTypes")));
        if matches!(scalar, "String" | "ID") {
            fields.push(InputValue::new("size", Ty::named("ModelSizeInput")));
        }
    }
    InputDef::new(&scalar_filter_name(scalar, subscription), fields)
}

/// `addModelConditionInputs` and `ensureModelSortDirectionEnum`: always part of the schema.
pub fn add_model_condition_inputs(doc: &mut Doc) {
    for subscription in [false, true] {
        for s in ["String", "Int", "Float", "Boolean", "ID"] {
            doc.add_input(scalar_input(s, subscription));
        }
    }
    doc.add(Def::Enum(EnumDef { name: "ModelAttributeTypes".into(), values: ATTRIBUTE_TYPES.iter().map(|s| s.to_string()).collect() }));
    let size = NUMBER_CONDITIONS.iter().map(|c| InputValue::new(c, if *c == "between" { Ty::named("Int").list() } else { Ty::named("Int") })).collect();
    doc.add_input(InputDef::new("ModelSizeInput", size));
    doc.add(Def::Enum(EnumDef { name: "ModelSortDirection".into(), values: vec!["ASC".into(), "DESC".into()] }));
}

/// `makeScalarKeyConditionForType`: `ModelStringKeyConditionInput` etc.; `None` for types
/// without key conditions (Boolean).
pub fn key_condition_input(scalar: &str) -> Option<InputDef> {
    let conditions: &[&str] = match scalar {
        "String" | "ID" => &["eq", "le", "lt", "ge", "gt", "between", "beginsWith"],
        "Int" | "Float" => &["eq", "le", "lt", "ge", "gt", "between"],
        _ => return None,
    };
    let fields = conditions.iter().map(|c| InputValue::new(c, if *c == "between" { Ty::named(scalar).list() } else { Ty::named(scalar) })).collect();
    Some(InputDef::new(&format!("Model{scalar}KeyConditionInput"), fields))
}

/// The scalar a sort key's condition input is named after: enums are compared as strings.
pub fn key_scalar(doc: &Doc, ty: &Ty) -> String {
    match default_scalar(ty.base()) {
        Some(s) => s.to_string(),
        None if doc.has(ty.base()) => "String".to_string(),
        None => ty.base().to_string(),
    }
}

/// `Model<M><Key>CompositeKeyConditionInput` and `Model<M><Key>CompositeKeyInput`.
pub fn composite_key_inputs(model: &str, key_name: &str, sort_keys: &[(String, Ty)]) -> [InputDef; 2] {
    let key_input = format!("Model{model}{key_name}CompositeKeyInput");
    let conditions = ["eq", "le", "lt", "ge", "gt", "between", "beginsWith"];
    let cond_fields = conditions
        .iter()
        .map(|c| InputValue::new(c, if *c == "between" { Ty::named(&key_input).list() } else { Ty::named(&key_input) }))
        .collect();
    let n = sort_keys.len();
    let key_fields = sort_keys
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            let base = ty.base();
            let named = match default_scalar(base) {
                Some(over) if i == n - 1 => over,
                _ => base,
            };
            InputValue::new(name, Ty::named(named))
        })
        .collect();
    [InputDef::new(&format!("Model{model}{key_name}CompositeKeyConditionInput"), cond_fields), InputDef::new(&key_input, key_fields)]
}

/// `createEnumModelFilters` + `makeEnumFilterInput`: `Model<E>Input` / `Model<E>ListInput`.
pub fn add_enum_filters(doc: &mut Doc, object: &ObjectDef) {
    let mut inputs = Vec::new();
    for f in &object.fields {
        let e = f.ty.base();
        if !doc.is_enum(e) {
            continue;
        }
        let list = f.ty.is_bare_list();
        let name = if list { list_filter_name(e) } else { scalar_filter_name(e, false) };
        let elem = if list { Ty::named(e).list() } else { Ty::named(e) };
        let mut fields = vec![InputValue::new("eq", elem.clone()), InputValue::new("ne", elem)];
        if list {
            fields.push(InputValue::new("contains", Ty::named(e)));
            fields.push(InputValue::new("notContains", Ty::named(e)));
        }
        inputs.push(InputDef::new(&name, fields));
    }
    for i in inputs {
        doc.add_input(i);
    }
}

/// The filter field type for a scalar or enum field (`ModelStringInput`, `ModelStatusListInput`).
fn condition_type(doc: &Doc, ty: &Ty) -> Option<String> {
    let base = ty.base();
    if doc.is_enum(base) {
        Some(if ty.is_bare_list() { list_filter_name(base) } else { scalar_filter_name(base, false) })
    } else if default_scalar(base).is_some() {
        Some(scalar_filter_name(base, false))
    } else {
        None
    }
}

/// `makeConditionFilterInput`: scalar and enum fields, `and`, `or`, `not`.
pub fn condition_filter_input(doc: &Doc, name: &str, object: &ObjectDef) -> InputDef {
    let mut fields: Vec<InputValue> = object
        .fields
        .iter()
        .filter_map(|f| condition_type(doc, &f.ty).map(|t| InputValue::new(&f.name, Ty::named(t))))
        .collect();
    fields.push(InputValue::new("and", Ty::named(name).list()));
    fields.push(InputValue::new("or", Ty::named(name).list()));
    fields.push(InputValue::new("not", Ty::named(name)));
    InputDef::new(name, fields)
}

/// `makeSubscriptionFilterInput`: enums filter as strings; no `not`.
pub fn subscription_filter_input(doc: &Doc, name: &str, object: &ObjectDef) -> InputDef {
    let mut fields: Vec<InputValue> = object
        .fields
        .iter()
        .filter_map(|f| {
            let base = f.ty.base();
            let scalar = if doc.is_enum(base) { "String" } else { default_scalar(base)? };
            Some(InputValue::new(&f.name, Ty::named(scalar_filter_name(scalar, true))))
        })
        .collect();
    fields.push(InputValue::new("and", Ty::named(name).list()));
    fields.push(InputValue::new("or", Ty::named(name).list()));
    InputDef::new(name, fields)
}

/// `InputObjectDefinitionWrapper.fromObject`: an input with the object's fields; object-typed
/// fields point at `<Type>Input`; on models the auto-generatable fields lose their `!`.
pub fn input_from_object(doc: &Doc, name: &str, object: &ObjectDef, is_model: bool) -> InputDef {
    let fields = object
        .fields
        .iter()
        .map(|f| {
            let base = f.ty.base();
            let autogen = match f.name.as_str() {
                "id" => base == "ID",
                "createdAt" | "updatedAt" => base == "AWSDateTime" || base == "String",
                _ => false,
            };
            let ty = if is_model && autogen && !f.ty.clone().nullable().is_list() {
                f.ty.clone().nullable()
            } else if is_scalar(&f.ty) || doc.is_enum(base) {
                f.ty.clone()
            } else {
                f.ty.with_base(&format!("{}Input", upper_first(base)))
            };
            InputValue::new(&f.name, ty)
        })
        .collect();
    InputDef::new(name, fields)
}

pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `toCamelCase(words)`.
pub fn camel_case(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| if i == 0 { lower_first(w) } else { upper_first(w) })
        .collect()
}
