//! The runtime's module graph follows `LAYERS.md` (ARCHITECTURE.md, "Layers"): a module names
//! only modules of its own layer or below, the top-level modules form no cycle, and the files
//! of one folder form no cycle among themselves.
//!
//! This reads `alys-metrics-runtime/src/**/*.rs` as text. A reference is every `crate::<name>`
//! in code and in doc comments (intra-doc links are references too), including the names of
//! a `use crate::{a, b}` group; `<name>` is a top-level module, or an item the crate root
//! re-exports (`crate::Registry` is the registry's), or the root's own `prelude`/`__private`,
//! which sit above everything. `super::` paths are not resolved across modules (inline
//! modules make them ambiguous); every cross-module path in this crate is `crate::`. Generated
//! code (macro expansions) is not read: it names `::alys_metrics::__private`, which re-exports.
//!
//! Inside a folder, an edge between two sibling files is a code reference (not a doc link) from
//! one to the other as `super::<file>` or `crate::<module>::<file>`; references through
//! `mod.rs`'s re-exports are not followed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules and their layer, lowest first; a module may name its own layer and below.
/// Mirrors ARCHITECTURE.md's "Layers" table (and `/work/shared/LAYERS.md`).
const LAYERS: &[(&str, u8)] = &[
    ("labels", 0),
    ("clock", 0),
    // `race.rs` (racing two futures without `tokio::select!`, from the features work): a leaf
    // that names no module of this crate.
    ("race", 0),
    // `capture.rs` (feature `testing`): the captures the metric types report to; names nothing.
    ("capture", 0),
    ("exposition", 1),
    ("metric", 2),
    ("encode", 3),
    ("registry", 4),
    ("catalogue", 5),
    ("actor", 6),
    ("actor_system", 6),
    ("chain", 6),
    ("collector", 6),
    ("exporter", 7),
    // `testing/` (feature `testing`): reads the sites, the catalogue, the registry.
    ("testing", 8),
];

/// The crate root (`lib.rs`: the re-exports, `prelude`, `__private`): above every module.
const ROOT: &str = "lib";
const ROOT_LAYER: u8 = u8::MAX;

fn layer(module: &str) -> Option<u8> {
    if module == ROOT {
        return Some(ROOT_LAYER);
    }
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// A node of the module graph: `actor_system/` and `actor/` are one subsystem,
/// so the two are one node (their files are checked for cycles as one folder).
fn node(module: &str) -> &str {
    match module {
        "actor_system" => "actor",
        m => m,
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("alys-metrics-runtime/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// One source file: where it is, which top-level module it belongs to, its lines.
struct File {
    /// Relative to `src/`, with `/`.
    rel: String,
    module: String,
    /// The folder of its module (`actor` for both `actor` and `actor_system`), if any.
    folder: Option<String>,
    /// The file's stem, `None` for `mod.rs` and for the file that roots a path-mounted module.
    stem: Option<String>,
    lines: Vec<String>,
}

fn load() -> Vec<File> {
    let src = src_dir();
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    assert!(
        paths.len() > 50,
        "found only {} files under {}",
        paths.len(),
        src.display()
    );
    paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&p).expect("readable source");
            let lines = text.lines().map(str::to_owned).collect();
            let parts: Vec<&str> = rel.split('/').collect();
            let (module, folder, stem) = match parts.as_slice() {
                ["lib.rs"] => (ROOT.to_owned(), None, None),
                [file] => (file.trim_end_matches(".rs").to_owned(), None, None),
                // `actor_system/` is one subsystem with `actor/`: one folder for the cycle check.
                ["actor_system", "mod.rs"] => ("actor_system".to_owned(), Some("actor"), None),
                ["actor_system", file] => (
                    "actor_system".to_owned(),
                    Some("actor"),
                    Some(file.trim_end_matches(".rs").to_owned()),
                ),
                [dir, "mod.rs"] => (dir.to_string(), Some(*dir), None),
                [dir, file] => (
                    dir.to_string(),
                    Some(*dir),
                    Some(file.trim_end_matches(".rs").to_owned()),
                ),
                _ => {
                    panic!("{rel}: folders nest one level deep; add the case to tests/it/layers.rs")
                }
            };
            let folder = folder.map(str::to_owned);
            File {
                rel,
                module,
                folder,
                stem,
                lines,
            }
        })
        .collect()
}

/// The crate root's re-exports: item name -> the top-level module it comes from.
fn root_reexports(files: &[File]) -> BTreeMap<String, String> {
    let lib = files.iter().find(|f| f.module == ROOT).expect("lib.rs");
    // Join the file into statements, then read the top-level `pub use a::...;` ones.
    let mut map = BTreeMap::new();
    let mut depth = 0usize;
    let mut stmt = String::new();
    for line in &lib.lines {
        let code = line.split("//").next().unwrap_or("");
        if depth == 0 || !stmt.is_empty() {
            stmt.push_str(code);
            stmt.push(' ');
        }
        for ch in code.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if stmt.contains(';') || (depth == 0 && !stmt.trim_start().starts_with("pub use")) {
            let s = stmt.trim().to_owned();
            stmt.clear();
            let Some(path) = s.strip_prefix("pub use ") else {
                continue;
            };
            let path = path.trim_end_matches(';').trim();
            let module = path.split("::").next().unwrap_or("").trim().to_owned();
            if layer(&module).is_none() {
                continue; // another crate (`alys_metrics_macros::..`)
            }
            let names = match path.find('{') {
                Some(open) => path[open + 1..path.rfind('}').unwrap_or(path.len())].to_owned(),
                None => path.rsplit("::").next().unwrap_or("").to_owned(),
            };
            for name in names.split(',') {
                let name = name.trim();
                let name = name.rsplit(" as ").next().unwrap_or(name);
                let name = name.rsplit("::").next().unwrap_or(name).trim();
                if !name.is_empty() {
                    map.insert(name.to_owned(), module.clone());
                }
            }
        }
    }
    map.insert("prelude".to_owned(), ROOT.to_owned());
    map.insert("__private".to_owned(), ROOT.to_owned());
    assert!(
        map.get("Registry").map(String::as_str) == Some("registry"),
        "could not read lib.rs's re-exports: {map:?}"
    );
    map
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    &s[..end]
}

/// The first segments named after each `prefix` (`crate::`, `super::`) on a line, with the
/// second segment: `crate::a::b` -> `(a, Some(b))`, `crate::{a::b, c}` -> `(a, Some(b)), (c, None)`.
fn paths_after<'a>(line: &'a str, prefix: &str) -> Vec<(&'a str, Option<&'a str>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find(prefix) {
        let at = from + i;
        from = at + prefix.len();
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
            continue; // `$crate::`, `my_crate::`, `super::super::` (handled by the caller)
        }
        let rest = &line[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let item = item.trim();
                let first = ident_at(item);
                let second = item[first.len()..].strip_prefix("::").map(ident_at);
                if !first.is_empty() {
                    found.push((first, second.filter(|s| !s.is_empty())));
                }
            }
        } else {
            let first = ident_at(rest);
            let second = rest[first.len()..].strip_prefix("::").map(ident_at);
            if !first.is_empty() {
                found.push((first, second.filter(|s| !s.is_empty())));
            }
        }
    }
    found
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

#[test]
fn no_module_names_a_higher_layer_and_no_module_cycle() {
    let files = load();
    let reexports = root_reexports(&files);
    let mut violations = Vec::new();
    // Same-layer edges between top-level modules, with one place each is made.
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();

    for f in &files {
        let Some(from_layer) = layer(&f.module) else {
            violations.push(format!(
                "{}: module `{}` is not in tests/it/layers.rs's LAYERS table (nor LAYERS.md)",
                f.rel, f.module
            ));
            continue;
        };
        for (n, line) in f.lines.iter().enumerate() {
            let mut targets: Vec<(String, String)> = Vec::new();
            for (first, _) in paths_after(line, "crate::") {
                let target = if layer(first).is_some() {
                    first.to_owned()
                } else if let Some(m) = reexports.get(first) {
                    m.clone()
                } else {
                    violations.push(format!(
                        "{}:{}: cannot place `crate::{first}` in a layer (not a module in LAYERS, \
                         not a root re-export)",
                        f.rel,
                        n + 1
                    ));
                    continue;
                };
                targets.push((target, format!("crate::{first}")));
            }
            for (target, shown) in targets {
                if target == f.module {
                    continue;
                }
                let to_layer = layer(&target).expect("placed");
                if to_layer > from_layer {
                    violations.push(format!(
                        "{}:{}: `{}` (layer {from_layer}) names `{target}` (layer {}) via `{shown}`: \
                         a lower layer never names a higher one",
                        f.rel,
                        n + 1,
                        f.module,
                        if to_layer == ROOT_LAYER { "root".to_owned() } else { to_layer.to_string() },
                    ));
                } else if to_layer == from_layer && node(&f.module) != node(&target) {
                    edges
                        .entry((node(&f.module).to_owned(), node(&target).to_owned()))
                        .or_insert_with(|| format!("{}:{}", f.rel, n + 1));
                }
            }
        }
    }

    let graph: BTreeMap<String, Vec<(String, String)>> =
        edges.iter().fold(BTreeMap::new(), |mut g, ((a, b), at)| {
            g.entry(a.clone())
                .or_default()
                .push((b.clone(), at.clone()));
            g
        });
    for cycle in cycles(&graph) {
        violations.push(format!("module cycle: {cycle}"));
    }

    assert!(
        violations.is_empty(),
        "{} layering violation(s) in alys-metrics-runtime/src:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn no_cycle_among_the_files_of_one_folder() {
    let files = load();
    let mut violations = Vec::new();
    let folders: BTreeSet<&str> = files.iter().filter_map(|f| f.folder.as_deref()).collect();
    for folder in folders {
        let siblings: Vec<&File> = files
            .iter()
            .filter(|f| f.folder.as_deref() == Some(folder))
            .collect();
        let stems: BTreeSet<&str> = siblings.iter().filter_map(|f| f.stem.as_deref()).collect();
        // The module names under which this folder's files are reachable.
        let modules: BTreeSet<&str> = siblings.iter().map(|f| f.module.as_str()).collect();
        let mut graph: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for f in &siblings {
            let Some(stem) = f.stem.as_deref() else {
                continue;
            };
            let mut seen = BTreeSet::new();
            for (n, line) in f.lines.iter().enumerate() {
                if is_comment(line) {
                    continue;
                }
                let mut named = Vec::new();
                for (first, _) in paths_after(line, "super::") {
                    named.push(first);
                }
                for (first, second) in paths_after(line, "crate::") {
                    if modules.contains(first) {
                        named.extend(second);
                    }
                }
                for to in named {
                    if to != stem && stems.contains(to) && seen.insert(to) {
                        graph
                            .entry(stem.to_owned())
                            .or_default()
                            .push((to.to_owned(), format!("{}:{}", f.rel, n + 1)));
                    }
                }
            }
        }
        for cycle in cycles(&graph) {
            violations.push(format!("file cycle in {folder}/: {cycle}"));
        }
    }
    assert!(
        violations.is_empty(),
        "{} cycle(s) among sibling files:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// Every elementary cycle found by a depth-first search from each node (one per back edge),
/// written `a -> b (at file:line) -> a (at file:line)`.
fn cycles(graph: &BTreeMap<String, Vec<(String, String)>>) -> Vec<String> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, Vec<(String, String)>>,
        stack: &mut Vec<(String, String)>,
        done: &mut BTreeSet<String>,
        found: &mut BTreeSet<String>,
    ) {
        for (next, at) in graph.get(node).into_iter().flatten() {
            if let Some(pos) = stack.iter().position(|(n, _)| n == next) {
                let mut text = stack[pos].0.clone();
                for (n, via) in stack[pos + 1..].iter() {
                    text.push_str(&format!(" -> {n} (at {via})"));
                }
                text.push_str(&format!(" -> {next} (at {at})"));
                found.insert(text);
            } else if !done.contains(next) {
                stack.push((next.clone(), at.clone()));
                visit(next, graph, stack, done, found);
                stack.pop();
            }
        }
        done.insert(node.to_owned());
    }
    let mut found = BTreeSet::new();
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        if !done.contains(start) {
            let mut stack = vec![(start.clone(), String::new())];
            visit(start, graph, &mut stack, &mut done, &mut found);
        }
    }
    found.into_iter().collect()
}

#[test]
fn the_reader_sees_references_in_every_form() {
    assert_eq!(
        paths_after("use crate::actor::x;", "crate::"),
        [("actor", Some("x"))]
    );
    assert_eq!(
        paths_after("use crate::{labels::A, metric};", "crate::"),
        [("labels", Some("A")), ("metric", None)]
    );
    assert_eq!(
        paths_after(
            "/// [`x`](crate::exporter::serve) and $crate::no",
            "crate::"
        ),
        [("exporter", Some("serve"))]
    );
    assert!(paths_after("alys_metrics_crate::x", "crate::").is_empty());
    let g: BTreeMap<String, Vec<(String, String)>> = [
        ("a".to_owned(), vec![("b".to_owned(), "a.rs:1".to_owned())]),
        ("b".to_owned(), vec![("a".to_owned(), "b.rs:2".to_owned())]),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&g), ["a -> b (at a.rs:1) -> a (at b.rs:2)"]);
}
