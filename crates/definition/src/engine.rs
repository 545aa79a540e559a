//! Runs a project's `amplify/backend.ts` in an embedded QuickJS engine (rquickjs), no Node.
//!
//! Owns module resolution (relative imports across `.ts`/`.js` files, our built-in
//! `@aws-amplify/backend`, JSON files), the sandboxing limits (memory, time), and turning engine
//! exceptions into diagnostics that point at the user's original TypeScript.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Context, Ctx, Module, Object, Runtime, Value};

use crate::diag::{Diagnostic, LoadError, Position};
use crate::transpile::{transpile, Transpiled, BUILTIN_MODULES};

const BACKEND_MODULE: &str = include_str!("js/backend.js");
const PRELUDE: &str = include_str!("js/prelude.js");
const EVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Transpiled sources by absolute path, used to map engine positions back to TypeScript.
#[derive(Default, Clone)]
pub struct SourceMaps(Rc<RefCell<HashMap<PathBuf, Transpiled>>>);

impl SourceMaps {
    /// Every file that was loaded.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.0.borrow().keys().cloned().collect();
        v.sort();
        v
    }

    /// Maps a generated (engine) position in `file` to the original one.
    pub fn original(&self, file: &Path, line: u32, col: u32) -> Position {
        match self.0.borrow().get(file) {
            Some(t) => t.original(line, col),
            None => Position { line, col },
        }
    }
}

/// What evaluating the project produced: the recorded definition as JSON plus console output.
pub struct Evaluation {
    pub record: serde_json::Value,
    pub logs: Vec<String>,
    pub maps: SourceMaps,
}

struct ProjectResolver;

impl Resolver for ProjectResolver {
    fn resolve<'js>(&mut self, _ctx: &Ctx<'js>, base: &str, name: &str, _a: Option<ImportAttributes<'js>>) -> rquickjs::Result<String> {
        if BUILTIN_MODULES.contains(&name) {
            return Ok(BUILTIN_MODULES[0].to_string());
        }
        if !(name.starts_with('.') || name.starts_with('/')) {
            // Bare specifiers that survived the import rewrite (e.g. `export … from 'pkg'`).
            return Ok(format!("ampstack-proxy:{name}"));
        }
        let dir = Path::new(base).parent().unwrap_or(Path::new("/"));
        let joined = crate::paths::normalize(&dir.join(name));
        resolve_file(&joined)
            .map(|p| p.to_string_lossy().into_owned())
            .ok_or_else(|| rquickjs::Error::new_resolving_message(base, name, "no such file (tried .ts, .mts, .js, .mjs, .json and index files)"))
    }
}

/// Candidates Node + TypeScript would accept for an import path.
fn resolve_file(p: &Path) -> Option<PathBuf> {
    let s = p.to_string_lossy();
    let mut candidates = vec![p.to_path_buf()];
    for ext in ["ts", "mts", "js", "mjs", "json"] {
        candidates.push(PathBuf::from(format!("{s}.{ext}")));
    }
    // `./resource.js` in ESM TypeScript projects means `./resource.ts`.
    for (js, ts) in [(".js", ".ts"), (".mjs", ".mts")] {
        if let Some(stem) = s.strip_suffix(js) {
            candidates.push(PathBuf::from(format!("{stem}{ts}")));
        }
    }
    for ext in ["ts", "js"] {
        candidates.push(p.join(format!("index.{ext}")));
    }
    candidates.into_iter().find(|c| c.is_file())
}


struct ProjectLoader {
    maps: SourceMaps,
    failure: Rc<RefCell<Option<Diagnostic>>>,
}

impl Loader for ProjectLoader {
    fn load<'js>(&mut self, ctx: &Ctx<'js>, name: &str, _a: Option<ImportAttributes<'js>>) -> rquickjs::Result<Module<'js, Declared>> {
        if name == BUILTIN_MODULES[0] {
            return Module::declare(ctx.clone(), name, BACKEND_MODULE);
        }
        if let Some(pkg) = name.strip_prefix("ampstack-proxy:") {
            let src = format!("const m = __ampstack_module({}); export default m;", serde_json::to_string(pkg).unwrap_or_default());
            return Module::declare(ctx.clone(), name, src);
        }
        let path = PathBuf::from(name);
        let source = std::fs::read_to_string(&path).map_err(|e| {
            *self.failure.borrow_mut() = Some(Diagnostic::error(&path, None, format!("cannot read file: {e}")));
            rquickjs::Error::new_loading(name)
        })?;
        if name.ends_with(".json") {
            let value: serde_json::Value = serde_json::from_str(&source).map_err(|e| {
                *self.failure.borrow_mut() = Some(Diagnostic::error(&path, Some(Position { line: e.line() as u32, col: e.column() as u32 }), format!("invalid JSON: {e}")));
                rquickjs::Error::new_loading(name)
            })?;
            return Module::declare(ctx.clone(), name, format!("export default {value};"));
        }
        let transpiled = transpile(&path, &source).map_err(|d| {
            *self.failure.borrow_mut() = Some(d);
            rquickjs::Error::new_loading(name)
        })?;
        let code = transpiled.code.clone();
        self.maps.0.borrow_mut().insert(path, transpiled);
        Module::declare(ctx.clone(), name, code)
    }
}

/// Evaluates `entry` (normally `<project>/amplify/backend.ts`) and returns the recorded definition.
pub fn evaluate(entry: &Path) -> Result<Evaluation, LoadError> {
    let entry = std::fs::canonicalize(entry)
        .map_err(|e| LoadError::one(Diagnostic::error(entry, None, format!("cannot open the backend entry point: {e}"))))?;
    let internal = |msg: String| LoadError::one(Diagnostic::error(&entry, None, msg));
    let rt = Runtime::new().map_err(|e| internal(format!("cannot start the JS engine: {e}")))?;
    rt.set_memory_limit(512 * 1024 * 1024);
    rt.set_max_stack_size(4 * 1024 * 1024);
    let deadline = Instant::now() + EVAL_TIMEOUT;
    rt.set_interrupt_handler(Some(Box::new(move || Instant::now() > deadline)));
    let maps = SourceMaps::default();
    let failure = Rc::new(RefCell::new(None));
    rt.set_loader(ProjectResolver, ProjectLoader { maps: maps.clone(), failure: failure.clone() });
    let ctx = Context::full(&rt).map_err(|e| internal(format!("cannot start the JS engine: {e}")))?;

    ctx.with(|ctx| {
        let run = || -> rquickjs::Result<(String, Vec<String>)> {
            install_globals(&ctx)?;
            ctx.eval::<(), _>(PRELUDE)?;
            let promise = Module::import(&ctx, entry.to_string_lossy().as_bytes().to_vec())?;
            promise.finish::<Value>()?;
            let record: String = ctx.eval("__ampstack.collect()")?;
            let logs: Vec<String> = ctx.eval("globalThis.__ampstack_logs || []")?;
            Ok((record, logs))
        };
        match run() {
            Ok((record, logs)) => {
                let record = serde_json::from_str(&record).map_err(|e| internal(format!("internal error reading the definition: {e}")))?;
                Ok(Evaluation { record, logs, maps: maps.clone() })
            }
            Err(err) => {
                if let Some(d) = failure.borrow_mut().take() {
                    return Err(LoadError::one(d));
                }
                Err(LoadError::one(exception_diagnostic(&ctx, err, &entry, &maps, deadline)))
            }
        }
    })
}

/// `process.env` and `console` as Node would provide them to resource files.
fn install_globals(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let env = Object::new(ctx.clone())?;
    for (k, v) in std::env::vars() {
        env.set(k, v)?;
    }
    let process = Object::new(ctx.clone())?;
    process.set("env", env)?;
    process.set("platform", "linux")?;
    ctx.globals().set("process", process)?;
    ctx.eval::<(), _>(
        "globalThis.__ampstack_logs = [];\
         const __fmt = (a) => a.map((x) => typeof x === 'string' ? x : (() => { try { return JSON.stringify(x); } catch { return String(x); } })()).join(' ');\
         globalThis.console = { log: (...a) => __ampstack_logs.push(__fmt(a)), info: (...a) => __ampstack_logs.push(__fmt(a)),\
           warn: (...a) => __ampstack_logs.push(__fmt(a)), error: (...a) => __ampstack_logs.push(__fmt(a)), debug: () => {} };",
    )
}

/// Turns a thrown JS value into a diagnostic at the first user frame of its stack.
fn exception_diagnostic(ctx: &Ctx<'_>, err: rquickjs::Error, entry: &Path, maps: &SourceMaps, deadline: Instant) -> Diagnostic {
    if Instant::now() > deadline {
        return Diagnostic::error(entry, None, format!("evaluating the backend took longer than {}s (an endless loop?)", EVAL_TIMEOUT.as_secs()));
    }
    let (message, stack) = match err {
        rquickjs::Error::Exception => {
            let value = ctx.catch();
            match value.as_object() {
                Some(obj) => {
                    let msg: Option<String> = obj.get("message").ok();
                    let stack: Option<String> = obj.get("stack").ok();
                    (msg.unwrap_or_else(|| format!("{value:?}")), stack.unwrap_or_default())
                }
                None => (
                    value.as_string().and_then(|s| s.to_string().ok()).unwrap_or_else(|| format!("{value:?}")),
                    String::new(),
                ),
            }
        }
        other => (other.to_string(), String::new()),
    };
    for line in stack.lines() {
        if let Some((file, l, c)) = parse_frame(line) {
            let path = PathBuf::from(&file);
            if path.is_absolute() && path.exists() {
                let pos = maps.original(&path, l, c);
                return Diagnostic::error(path, Some(pos), message);
            }
        }
    }
    Diagnostic::error(entry, None, message)
}

/// Parses `    at fn (/abs/file.ts:12:5)` (or without the function name) into its parts.
pub(crate) fn parse_frame(line: &str) -> Option<(String, u32, u32)> {
    let line = line.trim().strip_prefix("at ")?.trim_end_matches(')');
    let loc = line.rsplit_once('(').map(|(_, l)| l).unwrap_or(line);
    let mut parts = loc.rsplitn(3, ':');
    let c = parts.next()?.parse().ok()?;
    let l = parts.next()?.parse().ok()?;
    let file = parts.next()?.to_string();
    Some((file, l, c))
}

#[cfg(test)]
mod tests {
    use super::parse_frame;

    #[test]
    fn frames() {
        assert_eq!(parse_frame("    at foo (/a/b.ts:3:9)"), Some(("/a/b.ts".into(), 3, 9)));
        assert_eq!(parse_frame("    at /a/b.ts:3:9"), Some(("/a/b.ts".into(), 3, 9)));
        assert_eq!(parse_frame("    at <eval> (native)"), None);
    }
}
