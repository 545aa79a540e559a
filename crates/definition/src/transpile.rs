//! TypeScript → JavaScript for the embedded engine, done in Rust with oxc.
//!
//! Owns three things: stripping types (oxc transformer, no Node), keeping a position map back to
//! the original file so every error and warning can name `file:line:col` of the user's code, and
//! rewriting imports of packages we do not execute (aws-cdk-lib, constructs, …) into recording
//! proxies, so escape hatches in `backend.ts` load instead of failing.

use std::path::Path;

use oxc::allocator::Allocator;
use oxc::ast::ast::{ImportDeclarationSpecifier, Statement};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};
use oxc::transformer::{TransformOptions, Transformer};

use crate::diag::{Diagnostic, Position};

/// Module specifiers served by our own `@aws-amplify/backend` implementation.
pub const BUILTIN_MODULES: &[&str] = &[
    "@aws-amplify/backend",
    "@aws-amplify/backend-function",
    "@aws-amplify/data-schema",
    // `npx ampx generate schema-from-database` writes files that import `configure` from here.
    "@aws-amplify/data-schema/internals",
];

/// A transpiled module: runnable JS plus a map from generated to original positions.
#[derive(Debug, Clone)]
pub struct Transpiled {
    pub code: String,
    /// (generated line, generated col, source line, source col), 0-based, sorted by generated pos.
    tokens: Vec<(u32, u32, u32, u32)>,
}

impl Transpiled {
    /// Maps a 1-based generated position (as the engine reports it) to a 1-based source position.
    pub fn original(&self, line: u32, col: u32) -> Position {
        let (l, c) = (line.saturating_sub(1), col.saturating_sub(1));
        let idx = self.tokens.partition_point(|t| (t.0, t.1) <= (l, c));
        let best = if idx > 0 && self.tokens[idx - 1].0 == l {
            Some(self.tokens[idx - 1])
        } else {
            // Nothing on that line before the column: take the line's first token instead.
            self.tokens.get(idx).filter(|t| t.0 == l).copied()
        };
        match best {
            Some(t) => Position { line: t.2 + 1, col: t.3 + 1 },
            None => Position { line, col },
        }
    }
}

/// Strips TypeScript from `source` (a `.ts`/`.mts`/`.js` file at `path`).
pub fn transpile(path: &Path, source: &str) -> Result<Transpiled, Diagnostic> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path)
        .unwrap_or_else(|_| SourceType::ts())
        .with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(err) = parsed.diagnostics.first() {
        return Err(diagnostic_from_oxc(path, source, err));
    }
    let mut program = parsed.program;
    if let Some(d) = duplicate_keys(path, source, &program) {
        return Err(d);
    }
    let semantic = SemanticBuilder::new().with_excess_capacity(2.0).build(&program);
    let scoping = semantic.semantic.into_scoping();
    let options = TransformOptions::default();
    let ret = Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if let Some(err) = ret.diagnostics.first() {
        return Err(diagnostic_from_oxc(path, source, err));
    }
    let codegen = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some(path.to_path_buf()), ..CodegenOptions::default() })
        .build(&program);
    let mut tokens: Vec<(u32, u32, u32, u32)> = codegen
        .map
        .as_ref()
        .map(|m| {
            m.get_tokens()
                .map(|t| (t.get_dst_line(), t.get_dst_col(), t.get_src_line(), t.get_src_col()))
                .collect()
        })
        .unwrap_or_default();
    tokens.sort_unstable();
    let code = rewrite_foreign_imports(&codegen.code);
    Ok(Transpiled { code, tokens })
}

fn diagnostic_from_oxc(path: &Path, source: &str, err: &oxc::diagnostics::OxcDiagnostic) -> Diagnostic {
    let offset = err.labels.first().map(|l| l.offset()).unwrap_or(0);
    let pos = Position::from_offset(source, offset as usize);
    let mut message = err.message.to_string();
    if let Some(help) = &err.help {
        message.push_str(&format!(" ({help})"));
    }
    Diagnostic::error(path, Some(pos), format!("syntax error: {message}"))
}

/// TypeScript rejects an object literal that names a property twice (TS1117); JavaScript would
/// silently keep the last one, which for `a.schema({...})` means a model vanishes.
fn duplicate_keys(path: &Path, source: &str, program: &oxc::ast::ast::Program<'_>) -> Option<Diagnostic> {
    use oxc::ast::ast::{ObjectExpression, ObjectPropertyKind, PropertyKind};
    use oxc::ast_visit::{walk, Visit};
    struct Finder {
        found: Option<(u32, String)>,
    }
    impl<'a> Visit<'a> for Finder {
        fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
            let mut seen = std::collections::HashSet::new();
            for p in &it.properties {
                if let ObjectPropertyKind::ObjectProperty(p) = p {
                    if p.computed || p.kind != PropertyKind::Init {
                        continue;
                    }
                    if let Some(name) = p.key.static_name() {
                        if !seen.insert(name.to_string()) && self.found.is_none() {
                            self.found = Some((p.key.span().start, name.to_string()));
                        }
                    }
                }
            }
            walk::walk_object_expression(self, it);
        }
    }
    let mut f = Finder { found: None };
    f.visit_program(program);
    f.found.map(|(offset, name)| {
        let pos = Position::from_offset(source, offset as usize);
        Diagnostic::error(path, Some(pos), format!("`{name}` is defined twice in this object (a duplicate model or type name?); each name must be unique"))
    })
}

fn is_bare(spec: &str) -> bool {
    !(spec.starts_with('.') || spec.starts_with('/'))
}

/// Replaces `import … from 'pkg'` of packages we do not run with `const … = __ampstack_module('pkg')`,
/// keeping the line count so positions after it stay valid.
fn rewrite_foreign_imports(code: &str) -> String {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, code, SourceType::mjs()).parse();
    if !parsed.diagnostics.is_empty() {
        return code.to_string();
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for stmt in &parsed.program.body {
        let Statement::ImportDeclaration(decl) = stmt else { continue };
        let spec = decl.source.value.as_str();
        if !is_bare(spec) || BUILTIN_MODULES.contains(&spec) {
            continue;
        }
        let module = format!("__ampstack_module({})", serde_json::to_string(spec).unwrap_or_default());
        let mut parts = Vec::new();
        let mut named = Vec::new();
        for s in decl.specifiers.iter().flatten() {
            match s {
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    let imported = s.imported.name();
                    let local = s.local.name.as_str();
                    if imported == local {
                        named.push(local.to_string());
                    } else {
                        named.push(format!("{imported}: {local}"));
                    }
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    parts.push(format!("const {} = {module}.default;", s.local.name));
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    parts.push(format!("const {} = {module};", s.local.name));
                }
            }
        }
        if !named.is_empty() {
            parts.push(format!("const {{ {} }} = {module};", named.join(", ")));
        }
        let (start, end) = (decl.span.start as usize, decl.span.end as usize);
        let newlines = code[start..end].matches('\n').count();
        let replacement = format!("{}{}", parts.join(" "), "\n".repeat(newlines));
        edits.push((start, end, replacement));
    }
    let mut out = code.to_string();
    for (start, end, text) in edits.into_iter().rev() {
        out.replace_range(start..end, &text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_types_and_maps_positions() {
        let src = "import type { X } from './x';\nconst a: number = 1;\n\nexport const b = (a as any) + missing();\n";
        let t = transpile(Path::new("/p/f.ts"), src).unwrap();
        assert!(!t.code.contains("number"), "{}", t.code);
        assert!(!t.code.contains("./x"), "type-only import must be elided: {}", t.code);
        let line = t.code.lines().position(|l| l.contains("missing")).unwrap() as u32 + 1;
        let col = t.code.lines().nth(line as usize - 1).unwrap().find("missing").unwrap() as u32 + 1;
        let pos = t.original(line, col);
        assert_eq!(pos.line, 4);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = transpile(Path::new("/p/d.ts"), "const s = {\n  Todo: 1,\n  Todo: 2,\n};\n").unwrap_err();
        assert_eq!(err.position.unwrap().line, 3);
        assert!(err.message.contains("`Todo` is defined twice"), "{}", err.message);
    }

    #[test]
    fn syntax_error_has_position() {
        let err = transpile(Path::new("/p/bad.ts"), "const a = 1;\nconst b = ;\n").unwrap_err();
        let pos = err.position.unwrap();
        assert_eq!(pos.line, 2);
        assert!(err.message.contains("syntax error"));
    }

    #[test]
    fn foreign_imports_become_proxies() {
        let src = "import { Stack, Duration as D } from 'aws-cdk-lib';\nimport * as sns from 'aws-cdk-lib/aws-sns';\nimport cdk from 'x';\nimport { a } from '@aws-amplify/backend';\nnew sns.Topic(Stack, D, cdk, a);\n";
        let t = transpile(Path::new("/p/backend.ts"), src).unwrap();
        assert!(t.code.contains("const { Stack, Duration: D } = __ampstack_module(\"aws-cdk-lib\");"), "{}", t.code);
        assert!(t.code.contains("const sns = __ampstack_module(\"aws-cdk-lib/aws-sns\");"));
        assert!(t.code.contains("const cdk = __ampstack_module(\"x\").default;"));
        assert!(t.code.contains("@aws-amplify/backend"));
    }
}
