//! The AppSync schema we compute must equal what Amplify's GraphQL transformer deploys, for
//! every conformance fixture with a golden `appsync.graphql`, every extra case under
//! `tests/schema_cases/` (a project plus the golden the real tooling produced for it), and the
//! introspection cases under `tests/cases/` (golden/appsync.graphql beside their other goldens).
//!
//! Both schemas are parsed and compared structurally, order-insensitively: type kinds, fields
//! with their types and arguments, input fields, enum values, and the AppSync auth directives
//! (`@aws_*`, with arguments) on types and fields. Declarations of AppSync's built-in scalars
//! and directives are ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use async_graphql_parser::types::{ConstDirective, InputValueDefinition, TypeKind, TypeSystemDefinition};
use async_graphql_parser::{parse_schema, Positioned};

/// One definition reduced to comparable parts: `"<part> <name>" -> description`.
type Canonical = BTreeMap<String, BTreeMap<String, String>>;

fn directives(dirs: &[Positioned<ConstDirective>]) -> String {
    let mut out: Vec<String> = dirs
        .iter()
        .filter(|d| d.node.name.node.starts_with("aws_"))
        .map(|d| {
            let args: Vec<String> = d.node.arguments.iter().map(|(n, v)| format!("{}: {}", n.node, v.node)).collect();
            if args.is_empty() { format!("@{}", d.node.name.node) } else { format!("@{}({})", d.node.name.node, args.join(", ")) }
        })
        .collect();
    out.sort();
    out.join(" ")
}

fn args(list: &[Positioned<InputValueDefinition>]) -> String {
    let mut out: Vec<String> = list
        .iter()
        .map(|a| {
            let default = a.node.default_value.as_ref().map(|d| format!(" = {}", d.node)).unwrap_or_default();
            format!("{}: {}{default}", a.node.name.node, a.node.ty.node)
        })
        .collect();
    out.sort();
    out.join(", ")
}

fn canonical(sdl: &str) -> Result<Canonical, String> {
    // Empty object types print as `type X` without braces, which is valid SDL.
    let doc = parse_schema(sdl).map_err(|e| format!("cannot parse: {e}"))?;
    let mut out = Canonical::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = &t.node;
        let name = t.name.node.to_string();
        let (kind, parts): (&str, BTreeMap<String, String>) = match &t.kind {
            TypeKind::Scalar => {
                if name.starts_with("AWS") {
                    continue;
                }
                ("scalar", BTreeMap::new())
            }
            TypeKind::Object(o) => (
                "type",
                o.fields
                    .iter()
                    .map(|f| {
                        let f = &f.node;
                        let a = if f.arguments.is_empty() { String::new() } else { format!("({})", args(&f.arguments)) };
                        (format!("field {}", f.name.node), format!("{a}: {} {}", f.ty.node, directives(&f.directives)).trim_end().to_string())
                    })
                    .collect(),
            ),
            TypeKind::Interface(o) => ("interface", o.fields.iter().map(|f| (format!("field {}", f.node.name.node), f.node.ty.node.to_string())).collect()),
            TypeKind::Union(u) => ("union", u.members.iter().map(|m| (format!("member {}", m.node), String::new())).collect()),
            TypeKind::Enum(e) => ("enum", e.values.iter().map(|v| (format!("value {}", v.node.value.node), String::new())).collect()),
            TypeKind::InputObject(i) => ("input", i.fields.iter().map(|f| (format!("field {}", f.node.name.node), args(std::slice::from_ref(f)))).collect()),
        };
        let mut parts = parts;
        parts.insert("directives".into(), directives(&t.directives));
        let key = format!("{kind} {name}");
        match out.get_mut(&key) {
            // `extend type` merges into the declaration.
            Some(existing) => {
                for (k, v) in parts {
                    if k == "directives" {
                        let mut all: Vec<&str> = existing[&k].split(' ').chain(v.split(' ')).filter(|s| !s.is_empty()).collect();
                        all.sort();
                        existing.insert(k, all.join(" "));
                    } else {
                        existing.insert(k, v);
                    }
                }
            }
            None => {
                out.insert(key, parts);
            }
        }
    }
    Ok(out)
}

/// One line per difference.
fn compare(golden: &str, actual: &str) -> Vec<String> {
    let (g, a) = match (canonical(golden), canonical(actual)) {
        (Ok(g), Ok(a)) => (g, a),
        (Err(e), _) => return vec![format!("golden: {e}")],
        (_, Err(e)) => return vec![format!("actual: {e}")],
    };
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&String> = g.keys().chain(a.keys()).collect();
    for key in keys {
        match (g.get(key), a.get(key)) {
            (Some(_), None) => out.push(format!("{key}: missing")),
            (None, Some(_)) => out.push(format!("{key}: not in golden")),
            (Some(gp), Some(ap)) => {
                let parts: std::collections::BTreeSet<&String> = gp.keys().chain(ap.keys()).collect();
                for p in parts {
                    match (gp.get(p), ap.get(p)) {
                        (Some(gv), None) => out.push(format!("{key} {p}: missing (golden `{gv}`)")),
                        (None, Some(av)) => out.push(format!("{key} {p}: not in golden (actual `{av}`)")),
                        (Some(gv), Some(av)) if gv != av => out.push(format!("{key} {p}: golden `{gv}`, actual `{av}`")),
                        _ => {}
                    }
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn cases() -> Vec<(String, PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let fixtures = root.join("../../conformance/fixtures");
    let extra = root.join("tests/schema_cases");
    // tests/cases/ holds the introspection cases; their AppSync goldens sit beside the others.
    let shared = root.join("tests/cases");
    for (dir, golden) in [(fixtures, "golden/appsync.graphql"), (extra, "appsync.graphql"), (shared, "golden/appsync.graphql")] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let g = p.join(golden);
            if g.is_file() {
                out.push((p.file_name().unwrap().to_string_lossy().into_owned(), p, g));
            }
        }
    }
    out
}

#[test]
fn appsync_schemas_match_goldens() {
    let only = std::env::var("SCHEMA_CASE").ok();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, dir, golden) in cases() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        checked += 1;
        let loaded = match definition::load_project(&dir) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{name}: does not load:\n{}", e.render(&dir)));
                continue;
            }
        };
        let Some(d) = loaded.backend.data else {
            failures.push(format!("{name}: no data resource"));
            continue;
        };
        let actual = data::appsync_schema::appsync_schema(&d.schema, &d.authorization_modes);
        let diffs = compare(&std::fs::read_to_string(&golden).unwrap(), &actual);
        if !diffs.is_empty() {
            failures.push(format!("{name}: {} difference(s)\n  {}", diffs.len(), diffs.join("\n  ")));
        }
    }
    assert!(checked > 0, "no cases found");
    assert!(failures.is_empty(), "{} of {checked} schema(s) differ:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn comparison_sees_differences() {
    let a = "type Todo @aws_api_key @aws_iam { id: ID! list(limit: Int): [String] }\nenum E { A B }";
    let b = "enum E { B A }\ntype Todo @aws_iam @aws_api_key { list(limit: Int): [String] id: ID! }";
    assert!(compare(a, b).is_empty());
    let c = "type Todo @aws_iam { id: ID list(limit: Int, x: Int): [String] }\nenum E { A }";
    let diffs = compare(a, c);
    assert_eq!(diffs.len(), 4, "{diffs:#?}");
}
