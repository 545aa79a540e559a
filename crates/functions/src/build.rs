//! Handler code → runnable ES modules for Node, written under the project so that bare imports
//! resolve to the project's `node_modules` exactly as the bundler resolves them for Lambda.
//!
//! Starting at the function's `entry`, every local module it imports (`./util`, `../shared/x.js`,
//! `./lib` → `lib/index.ts`) is stripped of TypeScript with oxc and written to
//! `<project>/.amplify/ampstack/functions/<name>/<path in project>.mjs`, with its import specifiers
//! rewritten to the built files. Two virtual modules are provided beside them: `$amplify/env/<name>`
//! (amplify-backend's typed `env` object, i.e. `process.env`) and
//! `@aws-amplify/backend/function/runtime` (`getAmplifyDataClientConfig`, see `js/runtime.mjs`).
//! Package imports are left alone for Node to resolve.

use std::collections::{HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};

use oxc::allocator::Allocator;
use oxc::ast::ast::{Expression, Statement};
use oxc::ast_visit::{walk, Visit};
use oxc::codegen::Codegen;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};

const ENV_MODULE: &str = include_str!("js/env.mjs");
const RUNTIME_MODULE: &str = include_str!("js/runtime.mjs");
/// Where the virtual modules live inside a function's build folder.
const VIRTUAL_DIR: &str = "__ampstack";
/// Extensions tried, in order, for an import written without one (TypeScript's resolution).
const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "js", "mjs", "jsx", "cts", "cjs", "json"];

/// A function's code, built.
#[derive(Debug, Clone)]
pub struct BuiltFunction {
    /// The built entry module (absolute).
    pub entry: PathBuf,
    /// The folder everything was written to.
    pub dir: PathBuf,
}

/// The build folder of function `name` in `project`.
pub fn build_dir(project: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    project.join(".amplify").join("ampstack").join("functions").join(safe)
}

/// Builds function `name` whose handler file is `entry` (absolute or relative to `project`).
/// `model_introspection` is written for `getAmplifyDataClientConfig` when the backend has data.
pub fn build(project: &Path, name: &str, entry: &Path, model_introspection: Option<&serde_json::Value>) -> Result<BuiltFunction, String> {
    let entry = normalize(&if entry.is_absolute() { entry.to_path_buf() } else { project.join(entry) });
    let out = build_dir(project, name);
    let _ = std::fs::remove_dir_all(&out);
    let virtual_dir = out.join(VIRTUAL_DIR);
    std::fs::create_dir_all(&virtual_dir).map_err(|e| format!("creating {}: {e}", virtual_dir.display()))?;
    write(&virtual_dir.join("env.mjs"), ENV_MODULE)?;
    write(&virtual_dir.join("runtime.mjs"), RUNTIME_MODULE)?;
    if let Some(mis) = model_introspection {
        write(
            &virtual_dir.join("model-introspection-schema.json"),
            &serde_json::to_string(mis).unwrap_or_default(),
        )?;
    }
    if !entry.is_file() {
        return Err(format!("the handler file {} of function `{name}` does not exist", entry.display()));
    }
    if std::fs::read_to_string(&entry).is_ok_and(|t| is_commonjs(&entry, &t)) {
        // A CommonJS handler (`exports.handler = …`) runs where it is, as Lambda runs a `.js`
        // handler: its `require`s resolve from its own folder and the project's node_modules.
        return Ok(BuiltFunction { entry, dir: out });
    }
    let mut queue = VecDeque::from([entry.clone()]);
    let mut seen = HashSet::from([entry.clone()]);
    while let Some(source) = queue.pop_front() {
        let target = output_path(project, &out, &source);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let ext = source.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext == "cjs" {
            std::fs::copy(&source, &target).map_err(|e| format!("copying {}: {e}", source.display()))?;
            continue;
        }
        if ext == "json" {
            // esbuild lets handlers import JSON without `with { type: 'json' }`; Node does not,
            // so a JSON file becomes a module whose default export is its value.
            let text = std::fs::read_to_string(&source).map_err(|e| format!("reading {}: {e}", source.display()))?;
            serde_json::from_str::<serde_json::Value>(&text).map_err(|e| format!("{}: invalid JSON: {e}", source.display()))?;
            write(&target, &format!("export default {};\n", text.trim()))?;
            continue;
        }
        let text = std::fs::read_to_string(&source).map_err(|e| format!("reading {}: {e}", source.display()))?;
        if is_commonjs(&source, &text) {
            // `exports.handler = …` files run as CommonJS, as Lambda runs a `.js` handler.
            std::fs::write(&target, &text).map_err(|e| format!("writing {}: {e}", target.display()))?;
            continue;
        }
        let js = strip_types(&source, &text)?;
        let mut edits = Vec::new();
        for (start, end, spec) in import_specifiers(&js) {
            let replacement = if spec.starts_with("$amplify/env/") {
                Some(relative(target.parent().unwrap_or(&out), &virtual_dir.join("env.mjs")))
            } else if spec == "@aws-amplify/backend/function/runtime" {
                Some(relative(target.parent().unwrap_or(&out), &virtual_dir.join("runtime.mjs")))
            } else if spec.starts_with("./") || spec.starts_with("../") {
                let base = source.parent().unwrap_or(project);
                let resolved = resolve_local(base, &spec).ok_or_else(|| format!("{}: cannot find module `{spec}`", source.display()))?;
                if seen.insert(resolved.clone()) {
                    queue.push_back(resolved.clone());
                }
                Some(relative(target.parent().unwrap_or(&out), &output_path(project, &out, &resolved)))
            } else {
                None
            };
            if let Some(r) = replacement {
                edits.push((start, end, r));
            }
        }
        let mut code = js;
        for (start, end, spec) in edits.into_iter().rev() {
            code.replace_range(start..end, &serde_json::to_string(&spec).unwrap_or_default());
        }
        write(&target, &code)?;
    }
    Ok(BuiltFunction {
        entry: output_path(project, &out, &entry),
        dir: out,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Where `source` goes in the build folder: its path inside the project, as `.mjs` (`.json` as
/// `.json.mjs`, `.cjs` and CommonJS `.js` as `.cjs`). Files outside the project go under `__outside/`.
fn output_path(project: &Path, out: &Path, source: &Path) -> PathBuf {
    let rel = source
        .strip_prefix(project)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| PathBuf::from("__outside").join(source.components().filter(|c| matches!(c, Component::Normal(_))).collect::<PathBuf>()));
    let ext = source.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let path = out.join(rel);
    if ext == "cjs" {
        path
    } else if ext == "json" {
        path.with_extension("json.mjs")
    } else if ext == "js" && std::fs::read_to_string(source).is_ok_and(|t| is_commonjs(source, &t)) {
        path.with_extension("cjs")
    } else {
        path.with_extension("mjs")
    }
}

/// A plain `.js` file with no `import`/`export` that assigns `exports` or calls `require`.
fn is_commonjs(path: &Path, text: &str) -> bool {
    if path.extension().and_then(|e| e.to_str()) != Some("js") || !(text.contains("exports") || text.contains("require(")) {
        return false;
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::mjs()).parse();
    parsed.diagnostics.is_empty() && !parsed.program.body.iter().any(|s| s.is_module_declaration())
}

/// TypeScript's resolution of a relative import: as written, with each extension, `.js` written
/// for a `.ts` file, or a folder's `index`.
fn resolve_local(base: &Path, spec: &str) -> Option<PathBuf> {
    let p = normalize(&base.join(spec));
    if p.is_file() {
        return Some(p);
    }
    let stem_for_js = ["js", "mjs", "cjs", "jsx"].iter().find_map(|e| spec.strip_suffix(&format!(".{e}")));
    if let Some(stem) = stem_for_js {
        for ext in ["ts", "tsx", "mts", "cts"] {
            let c = normalize(&base.join(format!("{stem}.{ext}")));
            if c.is_file() {
                return Some(c);
            }
        }
    }
    for ext in EXTENSIONS {
        let c = PathBuf::from(format!("{}.{ext}", p.display()));
        if c.is_file() {
            return Some(c);
        }
    }
    EXTENSIONS.iter().map(|ext| p.join(format!("index.{ext}"))).find(|c| c.is_file())
}

pub use definition::paths::normalize;

/// The import specifier that reaches `to` from a module in `from_dir` (both absolute).
fn relative(from_dir: &Path, to: &Path) -> String {
    let from: Vec<_> = from_dir.components().collect();
    let to_c: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to_c[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

/// Strips TypeScript (types, type-only imports) and keeps ES module syntax.
fn strip_types(path: &Path, source: &str) -> Result<String, String> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::ts()).with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(err) = parsed.diagnostics.first() {
        let offset = err.labels.first().map(|l| l.offset()).unwrap_or(0);
        let (line, col) = line_col(source, offset as usize);
        return Err(format!("{}:{line}:{col}: syntax error: {}", path.display(), err.message));
    }
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new().build(&program).semantic.into_scoping();
    let options = TransformOptions::default();
    let ret = Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if let Some(err) = ret.diagnostics.first() {
        return Err(format!("{}: {}", path.display(), err.message));
    }
    Ok(Codegen::new().build(&program).code)
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

/// Every static string module specifier in `js` (imports, re-exports, `import('x')`) as
/// (start, end, value), with start/end covering the quoted literal.
fn import_specifiers(js: &str) -> Vec<(usize, usize, String)> {
    struct Finder(Vec<(usize, usize, String)>);
    impl<'a> Visit<'a> for Finder {
        fn visit_import_expression(&mut self, it: &oxc::ast::ast::ImportExpression<'a>) {
            if let Expression::StringLiteral(s) = &it.source {
                self.0.push((s.span.start as usize, s.span.end as usize, s.value.to_string()));
            }
            walk::walk_import_expression(self, it);
        }
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, js, SourceType::mjs()).parse();
    let mut found = Finder(Vec::new());
    for stmt in &parsed.program.body {
        let source = match stmt {
            Statement::ImportDeclaration(d) => Some(&d.source),
            Statement::ExportAllDeclaration(d) => Some(&d.source),
            Statement::ExportFromDeclaration(d) => Some(&d.source),
            _ => None,
        };
        if let Some(s) = source {
            found.0.push((s.span.start as usize, s.span.end as usize, s.value.to_string()));
        }
    }
    found.visit_program(&parsed.program);
    found.0.sort_by_key(|e| e.0);
    found.0.dedup_by_key(|e| e.0);
    found.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_entry_with_local_imports_and_virtual_modules() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        let f = project.join("amplify/functions/hello");
        std::fs::create_dir_all(f.join("lib")).unwrap();
        std::fs::create_dir_all(project.join("amplify/shared")).unwrap();
        std::fs::write(
            f.join("handler.ts"),
            "import type { Schema } from '../../data/resource';\nimport { env } from '$amplify/env/hello';\nimport { greet } from './greet.js';\nimport { twice } from './lib';\nimport { x } from '../../shared/x';\nimport { parse } from 'graphql';\nexport const handler = async (e: any): Promise<string> => greet(env.NAME) + twice(x) + typeof parse;\n",
        )
        .unwrap();
        std::fs::write(
            f.join("greet.ts"),
            "import config from './config.json';\nexport const greet = (n: string) => `${config.word} ${n}`;\n",
        )
        .unwrap();
        std::fs::write(f.join("config.json"), "{ \"word\": \"hi\" }\n").unwrap();
        std::fs::write(f.join("lib/index.ts"), "export function twice(s: string): string { return s + s; }\n").unwrap();
        std::fs::write(project.join("amplify/shared/x.ts"), "export const x: string = 'x';\n").unwrap();
        let built = build(project, "hello", Path::new("amplify/functions/hello/handler.ts"), None).unwrap();
        let code = std::fs::read_to_string(&built.entry).unwrap();
        assert!(
            built.entry.ends_with(".amplify/ampstack/functions/hello/amplify/functions/hello/handler.mjs"),
            "{}",
            built.entry.display()
        );
        assert!(code.contains("\"../../../__ampstack/env.mjs\""), "{code}");
        assert!(code.contains("\"./greet.mjs\""), "{code}");
        assert!(code.contains("\"./lib/index.mjs\""), "{code}");
        assert!(code.contains("\"../../shared/x.mjs\""), "{code}");
        assert!(code.contains("\"graphql\""), "{code}");
        assert!(!code.contains("resource"), "type-only imports are dropped: {code}");
        assert!(!code.contains(": string"), "{code}");
        assert!(built.dir.join("amplify/shared/x.mjs").is_file());
        let greet = std::fs::read_to_string(built.dir.join("amplify/functions/hello/greet.mjs")).unwrap();
        assert!(greet.contains("\"./config.json.mjs\""), "{greet}");
        let json = std::fs::read_to_string(built.dir.join("amplify/functions/hello/config.json.mjs")).unwrap();
        assert_eq!(json, "export default { \"word\": \"hi\" };\n");
        assert!(built.dir.join("__ampstack/env.mjs").is_file());
    }

    #[test]
    fn missing_local_module_and_syntax_errors_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("fn")).unwrap();
        std::fs::write(project.join("fn/handler.ts"), "import { a } from './nope';\nexport const handler = () => a;\n").unwrap();
        let err = build(project, "f", Path::new("fn/handler.ts"), None).unwrap_err();
        assert!(err.contains("cannot find module `./nope`"), "{err}");
        std::fs::write(project.join("fn/handler.ts"), "export const handler = () => {\n  return 1 +;\n};\n").unwrap();
        let err = build(project, "f", Path::new("fn/handler.ts"), None).unwrap_err();
        assert!(err.contains("handler.ts:2:"), "{err}");
    }

    #[test]
    fn commonjs_handlers_stay_commonjs() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("fn")).unwrap();
        std::fs::write(project.join("fn/handler.js"), "const x = require('./x');\nexports.handler = async () => x;\n").unwrap();
        let built = build(project, "f", Path::new("fn/handler.js"), None).unwrap();
        assert_eq!(built.entry, project.join("fn/handler.js"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b/c.mjs")), "./c.mjs");
        assert_eq!(relative(Path::new("/a/b/c"), Path::new("/a/x/y.mjs")), "../../x/y.mjs");
    }
}
