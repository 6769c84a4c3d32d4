//! The architecture's invariants (ARCHITECTURE.md), checked: what each crate may reach in its
//! whole normal dependency tree, that every source file says what lives in it, that every crate
//! root lists its modules, and that no crate's modules import each other in a circle.
//!
//! Each check reads the whole graph it guards (every crate of the resolved dependency tree; every
//! `use` tree, inline path and crate-root re-export), and each is itself tested on planted
//! violations at the end of this file, so it cannot pass while its claim is false.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ------------------------------------------------------------------------------------------------
// Dependencies: the whole resolved tree, normal edges only.

/// The resolved dependency graph of a workspace: every package (not only the workspace's), and
/// from each, its normal dependencies (not dev or build ones: those are not part of what a crate
/// links). Cargo resolves features once for the whole workspace, so an edge a feature enabled by
/// another member adds is here too: the graph may hold more than a crate alone would build, never
/// less.
#[derive(Debug, Default)]
struct DependencyGraph {
    /// Package id → name.
    names: BTreeMap<String, String>,
    /// Package id → the ids of its normal dependencies.
    normal: BTreeMap<String, BTreeSet<String>>,
    /// Workspace package name → id.
    workspace: BTreeMap<String, String>,
    /// Workspace package name → the names of its direct normal dependencies.
    direct: BTreeMap<String, BTreeSet<String>>,
}

impl DependencyGraph {
    /// The graph of the workspace whose manifest is `manifest` (`cargo metadata` with its resolve).
    fn read(manifest: &Path) -> Self {
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(manifest)
            .exec()
            .expect("cargo metadata");
        let names: BTreeMap<String, String> = metadata
            .packages
            .iter()
            .map(|package| (package.id.repr.clone(), package.name.to_string()))
            .collect();
        let resolve = metadata
            .resolve
            .as_ref()
            .expect("cargo metadata resolves the dependencies");
        let normal = resolve
            .nodes
            .iter()
            .map(|node| {
                let deps = node
                    .deps
                    .iter()
                    .filter(|dep| {
                        dep.dep_kinds
                            .iter()
                            .any(|kind| kind.kind == cargo_metadata::DependencyKind::Normal)
                    })
                    .map(|dep| dep.pkg.repr.clone())
                    .collect();
                (node.id.repr.clone(), deps)
            })
            .collect();
        let workspace = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| (package.name.to_string(), package.id.repr.clone()))
            .collect();
        let direct = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| {
                let deps = package
                    .dependencies
                    .iter()
                    .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal)
                    .map(|d| d.name.clone())
                    .collect();
                (package.name.to_string(), deps)
            })
            .collect();
        Self {
            names,
            normal,
            workspace,
            direct,
        }
    }

    /// The name of package `id`.
    fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    /// The shortest path of normal dependencies from workspace crate `krate` to each package of
    /// its tree, by name: `[krate, …, package]`.
    fn tree(&self, krate: &str) -> BTreeMap<String, Vec<String>> {
        let start = self
            .workspace
            .get(krate)
            .unwrap_or_else(|| panic!("{krate} is in the workspace"));
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut seen = BTreeSet::from([start.as_str()]);
        let mut queue = VecDeque::from([start.as_str()]);
        let mut paths = BTreeMap::new();
        while let Some(id) = queue.pop_front() {
            let mut path = vec![self.name(id).to_owned()];
            let mut at = id;
            while let Some(up) = parent.get(at) {
                path.push(self.name(up).to_owned());
                at = up;
            }
            path.reverse();
            paths.entry(self.name(id).to_owned()).or_insert(path);
            for next in self.normal.get(id).into_iter().flatten() {
                if seen.insert(next.as_str()) {
                    parent.insert(next.as_str(), id);
                    queue.push_back(next.as_str());
                }
            }
        }
        paths
    }
}

/// What a crate must never depend on.
struct Rule {
    krate: &'static str,
    /// Never anywhere in its normal dependency tree, however far down.
    anywhere: &'static [&'static str],
    /// Never among its own dependencies (the crate may still reach it through a framework: the
    /// console reaches serde_json through axum's JSON extractor, but reads no JSON itself).
    directly: &'static [&'static str],
}

/// Every way `rules` are broken in `graph`, each with the path that breaks it.
fn broken_rules(graph: &DependencyGraph, rules: &[Rule]) -> Vec<String> {
    let mut broken = Vec::new();
    for rule in rules {
        let tree = graph.tree(rule.krate);
        for never in rule.anywhere {
            if let Some(path) = tree.get(*never) {
                broken.push(format!(
                    "{} must not depend on {never}: {}",
                    rule.krate,
                    path.join(" → ")
                ));
            }
        }
        let direct = graph.direct.get(rule.krate).cloned().unwrap_or_default();
        for never in rule.directly {
            if direct.contains(*never) {
                broken.push(format!("{} must not name {never} as a dependency", rule.krate));
            }
        }
    }
    broken
}

fn workspace_dependencies() -> DependencyGraph {
    DependencyGraph::read(&workspace_root().join("Cargo.toml"))
}

#[track_caller]
fn check_rules(rules: &[Rule]) {
    let broken = broken_rules(&workspace_dependencies(), rules);
    assert!(broken.is_empty(), "dependency rules broken:\n{}", broken.join("\n"));
}

/// The database drivers: only the binary (and tests) may depend on them.
const DRIVERS: [&str; 2] = ["tenantdesk-sqlite", "tenantdesk-postgres"];

#[test]
fn crates_depend_only_on_what_their_boundary_allows() {
    check_rules(&[
        // The use cases know no HTTP and no wire format.
        Rule {
            krate: "tenantdesk-core",
            anywhere: &["axum", "tower", "tower-http", "hyper", "tenantdesk-wire", "utoipa"],
            // Anywhere too once the store is an interface: `the_use_cases_and_front_ends_link_no_database`.
            directly: &["serde_json"],
        },
        // The domain does no IO and depends on no framework.
        Rule {
            krate: "tenantdesk-domain",
            anywhere: &["axum", "sqlx", "rusqlite", "serde_json", "tokio", "tenantdesk-store"],
            directly: &[],
        },
        // The SDK depends on the wire and the IO-free domain only, never on the server or the store.
        Rule {
            krate: "tenantdesk-client",
            anywhere: &[
                "tenantdesk-core",
                "tenantdesk-api",
                "tenantdesk-console",
                "tenantdesk-store",
                "sqlx",
                "rusqlite",
                "axum",
            ],
            directly: &[],
        },
        // The console is a front end beside the API: it calls the use cases, never the API's
        // handlers, its wire shapes or the database directly.
        Rule {
            krate: "tenantdesk-console",
            anywhere: &["tenantdesk-api", "tenantdesk-wire", "utoipa", "reqwest"],
            directly: &["serde_json", "sqlx", "rusqlite"],
        },
        // The API knows nothing of the console.
        Rule {
            krate: "tenantdesk-api",
            anywhere: &["tenantdesk-console", "askama"],
            directly: &[],
        },
        // The wire shapes are shared by server and SDK: no server code in them.
        Rule {
            krate: "tenantdesk-wire",
            anywhere: &[
                "tenantdesk-core",
                "tenantdesk-api",
                "tenantdesk-store",
                "axum",
                "sqlx",
                "rusqlite",
            ],
            directly: &[],
        },
    ]);
}

/// The use cases and the front ends link no database driver: the binary picks one.
#[test]
fn the_use_cases_and_front_ends_link_no_database() {
    check_rules(&[
        Rule {
            krate: "tenantdesk-core",
            anywhere: &["sqlx", "rusqlite", "serde_json"],
            directly: &[],
        },
        Rule {
            krate: "tenantdesk-api",
            anywhere: &["sqlx", "rusqlite"],
            directly: &[],
        },
        Rule {
            krate: "tenantdesk-console",
            anywhere: &["sqlx", "rusqlite"],
            directly: &[],
        },
    ]);
}

/// The store is an interface: its crate does no IO.
#[test]
fn the_store_interface_does_no_io() {
    check_rules(&[Rule {
        krate: "tenantdesk-store",
        anywhere: &["sqlx", "rusqlite", "tokio", "serde_json"],
        directly: &[],
    }]);
}

/// Only the binary (and tests) name a database driver.
#[test]
fn only_the_binary_names_a_database_driver() {
    let graph = workspace_dependencies();
    let mut broken = Vec::new();
    for driver in DRIVERS {
        if !graph.workspace.contains_key(driver) {
            broken.push(format!("{driver} is not a crate of the workspace"));
        }
    }
    for krate in graph.workspace.keys() {
        if krate == "tenantdesk" || DRIVERS.contains(&krate.as_str()) {
            continue;
        }
        let tree = graph.tree(krate);
        for driver in DRIVERS {
            if let Some(path) = tree.get(driver) {
                broken.push(format!("{krate} must not depend on {driver}: {}", path.join(" → ")));
            }
        }
    }
    assert!(broken.is_empty(), "dependency rules broken:\n{}", broken.join("\n"));
}

/// The accept loop serves whatever router the binary gives it: it knows neither front end.
#[test]
fn the_server_depends_on_neither_front_end() {
    check_rules(&[Rule {
        krate: "tenantdesk-server",
        anywhere: &["tenantdesk-api", "tenantdesk-console"],
        directly: &[],
    }]);
}

// ------------------------------------------------------------------------------------------------
// Source files.

/// Every `.rs` file of the workspace's crates (and fuzz targets), but build output.
fn rust_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != "node_modules" && !name.to_string_lossy().starts_with('.') {
                    walk(&path, files);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["crates", "fuzz"] {
        walk(&workspace_root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "found the sources ({} files)", files.len());
    files
}

#[test]
fn every_source_file_opens_with_a_doc_line() {
    let missing: Vec<PathBuf> = rust_files()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(missing.is_empty(), "files without a `//!` line: {missing:#?}");
}

/// The crates' roots (`src/lib.rs`, else `src/main.rs`).
fn crate_roots() -> Vec<PathBuf> {
    let entries = std::fs::read_dir(workspace_root().join("crates")).expect("crates/");
    let mut roots: Vec<PathBuf> = entries
        .flatten()
        .filter_map(|entry| {
            let src = entry.path().join("src");
            [src.join("lib.rs"), src.join("main.rs")]
                .into_iter()
                .find(|p| p.exists())
        })
        .collect();
    roots.sort();
    assert!(roots.len() >= 8, "found the crate roots: {roots:?}");
    roots
}

#[test]
fn every_crate_root_lists_its_modules() {
    for root in crate_roots() {
        let text = std::fs::read_to_string(&root).expect("crate root");
        let doc: String = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        for module in parse(&text).modules {
            assert!(
                doc.contains(&format!("`{module}`")),
                "{} declares `{module}` but its module doc does not list it",
                root.display()
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The module graph.

/// A token of Rust source, comments and literals left out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// The tokens of `text` that can name a module, each with its line. Comments (doc comments too:
/// a link in a doc is not an import), strings and characters are skipped.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                line += usize::from(chars[i] == '\n');
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime: its name follows as an identifier.
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
            if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                // A raw string: up to a quote followed by as many hashes.
                i += hashes + 1;
                while i < chars.len() && !(chars[i] == '"' && chars[i + 1..].iter().take(hashes).all(|c| *c == '#')) {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
                i += hashes + 1;
            } else if word == "r" && hashes == 1 && (at(i + 1).is_alphabetic() || at(i + 1) == '_') {
                // A raw identifier: `r#name`.
                let start = i + 1;
                i = start;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push((Token::Ident(chars[start..i].iter().collect()), line));
            } else {
                tokens.push((Token::Ident(word), line));
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push((Token::PathSep, line));
            i += 2;
        } else {
            tokens.push((Token::Punct(c), line));
            i += 1;
        }
    }
    tokens
}

/// A path a file names, as written (`crate::a::B`, `super::c`, `d::E` in a `use`), with the
/// module it is written in and its line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reference {
    /// The segments, `crate`/`super`/`self` included.
    path: Vec<String>,
    /// Whether the path is a `use` declaration's (only those may start with a local module).
    in_use: bool,
    /// The inline modules (`mod tests { … }`) the path is written in, outermost first.
    inline: Vec<String>,
    /// Its line.
    line: usize,
    /// When the reference is a `use` that brings in a name: that name (the last segment, or its
    /// `as` alias); `None` for a glob or a path used inline.
    binds: Option<String>,
}

/// What parsing one file finds.
#[derive(Debug, Default)]
struct Parsed {
    /// The modules it declares with `mod name;` (not inline ones).
    modules: Vec<String>,
    /// Every path it names.
    references: Vec<Reference>,
}

/// The module declarations and every path of `text`.
fn parse(text: &str) -> Parsed {
    let tokens = tokens(text);
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(name), _)) => Some(name.as_str()),
        _ => None,
    };
    let is = |i: usize, token: &Token| tokens.get(i).is_some_and(|(t, _)| t == token);
    let mut parsed = Parsed::default();
    // Inline modules open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let line = tokens[i].1;
        match &tokens[i].0 {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                i += 1;
            }
            Token::Ident(word) if word == "mod" && ident(i + 1).is_some() => {
                let name = ident(i + 1).unwrap_or_default().to_owned();
                if is(i + 2, &Token::Punct(';')) {
                    if depth == 0 && inline.is_empty() {
                        parsed.modules.push(name);
                    }
                    i += 3;
                } else {
                    if is(i + 2, &Token::Punct('{')) {
                        inline.push((name, depth));
                    }
                    i += 2;
                }
            }
            Token::Ident(word) if word == "use" => {
                let names: Vec<String> = inline.iter().map(|(name, _)| name.clone()).collect();
                let mut leaves = Vec::new();
                i = use_tree(&tokens, i + 1, &mut Vec::new(), &mut leaves);
                for (path, binds, line) in leaves {
                    parsed.references.push(Reference {
                        path,
                        in_use: true,
                        inline: names.clone(),
                        line,
                        binds,
                    });
                }
            }
            Token::Ident(word) if matches!(word.as_str(), "crate" | "super" | "self") && is(i + 1, &Token::PathSep) => {
                let mut path = vec![word.clone()];
                i += 1;
                while is(i, &Token::PathSep) {
                    let Some(segment) = ident(i + 1) else { break };
                    path.push(segment.to_owned());
                    i += 2;
                }
                parsed.references.push(Reference {
                    path,
                    in_use: false,
                    inline: inline.iter().map(|(name, _)| name.clone()).collect(),
                    line,
                    binds: None,
                });
            }
            _ => i += 1,
        }
    }
    parsed
}

/// Parses the use tree starting at token `i` under `prefix` into `leaves` (path, bound name,
/// line); returns the index after it (after the `;` of a whole declaration).
fn use_tree(
    tokens: &[(Token, usize)],
    mut i: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>, usize)>,
) -> usize {
    let depth = prefix.len();
    // A leading `::` (`use ::std::…`): an external crate.
    if matches!(tokens.get(i), Some((Token::PathSep, _))) {
        i += 1;
    }
    loop {
        match tokens.get(i) {
            Some((Token::Ident(segment), line)) => {
                let line = *line;
                if segment == "self" && depth > 0 && !matches!(tokens.get(i + 1), Some((Token::PathSep, _))) {
                    // `use a::{self}`: the prefix itself.
                    let mut bound = prefix.last().cloned();
                    i += 1;
                    if let (Some((Token::Ident(k), _)), Some((Token::Ident(alias), _))) =
                        (tokens.get(i), tokens.get(i + 1))
                        && k == "as"
                    {
                        bound = Some(alias.clone());
                        i += 2;
                    }
                    leaves.push((prefix.clone(), bound, line));
                    break;
                }
                prefix.push(segment.clone());
                i += 1;
                if matches!(tokens.get(i), Some((Token::PathSep, _))) {
                    i += 1;
                    continue;
                }
                let mut bound = Some(segment.clone());
                if let (Some((Token::Ident(k), _)), Some((Token::Ident(alias), _))) = (tokens.get(i), tokens.get(i + 1))
                    && k == "as"
                {
                    bound = Some(alias.clone());
                    i += 2;
                }
                leaves.push((prefix.clone(), bound, line));
                break;
            }
            Some((Token::Punct('*'), line)) => {
                leaves.push((prefix.clone(), None, *line));
                i += 1;
                break;
            }
            Some((Token::Punct('{'), _)) => {
                i += 1;
                loop {
                    match tokens.get(i) {
                        None => break,
                        Some((Token::Punct('}'), _)) => {
                            i += 1;
                            break;
                        }
                        Some((Token::Punct(','), _)) => i += 1,
                        Some(_) => {
                            let next = use_tree(tokens, i, &mut prefix.clone(), leaves);
                            // Past a token no use tree starts with.
                            i = next.max(i + 1);
                        }
                    }
                }
                break;
            }
            _ => break,
        }
    }
    prefix.truncate(depth);
    // A whole declaration ends at its `;`.
    if depth == 0 {
        while let Some((token, _)) = tokens.get(i) {
            i += 1;
            if *token == Token::Punct(';') {
                break;
            }
        }
    }
    i
}

/// A crate's sources: path relative to `src/` → text.
type Sources = BTreeMap<PathBuf, String>;

/// The `.rs` files under `src`.
fn read_sources(src: &Path) -> Sources {
    let mut sources = Sources::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let relative = path.strip_prefix(src).expect("under src").to_path_buf();
                sources.insert(relative, text);
            }
        }
    }
    sources
}

/// The module a file under `src/` is (`a.rs` and `a/mod.rs` are `[a]`, `a/b.rs` is `[a, b]`).
fn module_path(file: &Path) -> Vec<String> {
    let mut path: Vec<String> = file
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// An import of one top-level module by another: where it is written.
type Graph = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// The top-level modules of a crate (its root `lib.rs` or `main.rs` in `sources`), and which of
/// them each one imports, with where: every `use` tree (groups included), every inline
/// `crate::`, `super::` or `self::` path, resolving each name the root brings in (`pub use
/// x::Foo;` in the root makes `crate::Foo` an import of `x`).
fn module_graph(sources: &Sources) -> Graph {
    let root = ["lib.rs", "main.rs"]
        .iter()
        .map(PathBuf::from)
        .find(|p| sources.contains_key(p))
        .expect("a crate root");
    let root_parsed = parse(&sources[&root]);
    let modules: BTreeSet<String> = root_parsed.modules.iter().cloned().collect();
    // The names the root brings in: name → the path it stands for.
    let aliases: BTreeMap<String, Vec<String>> = root_parsed
        .references
        .iter()
        .filter(|r| r.inline.is_empty())
        .filter_map(|r| Some((r.binds.clone()?, absolute(r, &[])?)))
        .collect();
    // The top-level module an absolute path (from the crate root) lands in, aliases followed.
    let land = |path: &[String]| -> Option<String> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let first = path.first()?;
            if modules.contains(first) {
                return Some(first.clone());
            }
            let target = aliases.get(first)?;
            path = target.iter().chain(&path[1..]).cloned().collect();
        }
        None
    };
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for (file, text) in sources {
        let within = module_path(file);
        let Some(module) = within.first().filter(|m| modules.contains(*m)) else {
            continue;
        };
        for reference in parse(text).references {
            let Some(path) = absolute(&reference, &within) else {
                continue;
            };
            if let Some(target) = land(&path)
                && target != *module
            {
                graph
                    .entry(module.clone())
                    .or_default()
                    .entry(target)
                    .or_default()
                    .push(format!(
                        "{}:{} {}",
                        file.display(),
                        reference.line,
                        reference.path.join("::")
                    ));
            }
        }
    }
    graph
}

/// `reference`, written in module `within` (of the crate root: `[]`), as a path from the crate
/// root; `None` for a path that starts elsewhere (another crate, a local name).
fn absolute(reference: &Reference, within: &[String]) -> Option<Vec<String>> {
    let mut here: Vec<String> = within.iter().chain(&reference.inline).cloned().collect();
    let mut segments = reference.path.iter().peekable();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segments.next();
            here.clear();
        }
        Some("super") => {
            while segments.next_if(|s| *s == "super").is_some() {
                here.pop()?;
            }
        }
        Some("self") => {
            segments.next();
        }
        // In the crate root, a `use` may start with one of its modules; anywhere else a bare
        // path is another crate or a name in scope, whose own `use` is already counted.
        Some(_) if reference.in_use && here.is_empty() => {}
        _ => return None,
    }
    Some(here.into_iter().chain(segments.cloned()).collect())
}

/// The circles of `graph`: its strongly connected components of more than one module (Tarjan).
fn circles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct Search<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, node: &'a str) {
            let index = self.index.len();
            self.index.insert(node, index);
            self.low.insert(node, index);
            self.stack.push(node);
            for next in self.graph.get(node).into_iter().flat_map(|edges| edges.keys()) {
                if !self.index.contains_key(next.as_str()) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next.as_str()]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next.as_str()) {
                    let low = self.low[node].min(self.index[next.as_str()]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = BTreeSet::new();
                while let Some(top) = self.stack.pop() {
                    component.insert(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    search.found.sort();
    search.found
}

/// Each circle of `graph`, with the imports that make it.
fn describe_circles(graph: &Graph) -> Vec<String> {
    circles(graph)
        .into_iter()
        .map(|circle| {
            let mut text = format!("{{{}}}:", circle.iter().cloned().collect::<Vec<_>>().join(", "));
            for from in &circle {
                for (to, places) in &graph[from] {
                    if circle.contains(to) {
                        text.push_str(&format!("\n    {from} → {to}: {}", places.join("; ")));
                    }
                }
            }
            text
        })
        .collect()
}

#[test]
fn no_crate_has_a_circle_of_module_imports() {
    let mut found = Vec::new();
    for root in crate_roots() {
        let src = root.parent().expect("src");
        let graph = module_graph(&read_sources(src));
        for circle in describe_circles(&graph) {
            let shown = src.strip_prefix(workspace_root()).unwrap_or(src);
            found.push(format!("{}: {circle}", shown.display()));
        }
    }
    assert!(
        found.is_empty(),
        "modules import each other in a circle:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_handler_imports_another() {
    let handlers = ["users", "cloudcockpit", "customers", "roles", "import", "audit"];
    let graph = module_graph(&read_sources(&workspace_root().join("crates/api/src")));
    for handler in handlers {
        let imported: Vec<&String> = graph[handler]
            .keys()
            .filter(|m| handlers.contains(&m.as_str()))
            .collect();
        assert!(
            imported.is_empty(),
            "the handler module `{handler}` imports the handlers {imported:?}: {:?}",
            graph[handler]
        );
    }
}

// ------------------------------------------------------------------------------------------------
// The checks, on planted violations.

/// The modules of `tenantdesk-core` whose operations take no caller (the operator's: partners,
/// customers and agents made from the command line, the purge, the demo's data).
const OPERATOR_MODULES: [&str; 4] = ["admin", "agents", "purge", "demo"];

/// Where `text` names one of `tenantdesk-core`'s operator modules (in a `use`, or a path written
/// inline): each as `module:line`.
fn operator_references(text: &str) -> Vec<String> {
    let operator = |path: &[String]| {
        path.first().is_some_and(|first| first == "tenantdesk_core")
            && path
                .get(1)
                .is_some_and(|module| OPERATOR_MODULES.contains(&module.as_str()))
    };
    let mut found: Vec<String> = parse(text)
        .references
        .iter()
        .filter(|reference| operator(&reference.path))
        .map(|reference| format!("{}:{}", reference.path[1], reference.line))
        .collect();
    let tokens = tokens(text);
    for window in tokens.windows(3) {
        if let [
            (Token::Ident(first), line),
            (Token::PathSep, _),
            (Token::Ident(module), _),
        ] = window
            && operator(&[first.clone(), module.clone()])
        {
            found.push(format!("{module}:{line}"));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The operator's operations take no caller and check no permission, so only the binary calls
/// them: the front ends' sources never name them.
#[test]
fn operator_operations_are_called_by_the_binary_only() {
    let mut broken = Vec::new();
    for front_end in ["crates/api/src", "crates/console/src"] {
        for file in rust_files()
            .into_iter()
            .filter(|f| f.starts_with(workspace_root().join(front_end)))
        {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            for place in operator_references(&text) {
                broken.push(format!("{} names tenantdesk_core::{place}", file.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "front ends calling operator operations:\n{}",
        broken.join("\n")
    );
}

#[test]
fn operator_references_are_found_in_uses_and_inline_paths() {
    let text = "use tenantdesk_core::{users, admin::create_partner};\n\
                // tenantdesk_core::purge in a comment is no call\n\
                fn f() { tenantdesk_core::demo::seed(); let s = \"tenantdesk_core::agents\"; }\n\
                use tenantdesk_core::{instance, purge as p};\n";
    assert_eq!(operator_references(text), ["admin:1", "demo:3", "purge:4"]);
}

fn sources(files: &[(&str, &str)]) -> Sources {
    files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
        .collect()
}

#[track_caller]
fn check_circles(files: &[(&str, &str)], expected: &[&[&str]]) {
    let graph = module_graph(&sources(files));
    let found: Vec<Vec<String>> = circles(&graph).into_iter().map(|c| c.into_iter().collect()).collect();
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|c| c.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    assert_eq!(found, expected, "graph: {graph:#?}");
}

#[test]
fn a_circle_through_a_crate_root_re_export_is_found() {
    // `app` names `Caller` at the root, where it is `caller`'s; `caller` names `app` directly.
    check_circles(
        &[
            (
                "lib.rs",
                "//! x\nmod app;\nmod caller;\npub use app::App;\npub use caller::{Caller as C};\n",
            ),
            ("app.rs", "//! x\nuse crate::C;\npub struct App;\n"),
            (
                "caller.rs",
                "//! x\npub struct Caller;\nfn f(app: &crate::app::App) {}\n",
            ),
        ],
        &[&["app", "caller"]],
    );
}

#[test]
fn a_circle_through_a_grouped_use_is_found() {
    // `tx` imports `idempotency` from inside a nested group; `idempotency` names `Pending` through
    // the root's re-export, in a group too.
    check_circles(
        &[
            (
                "lib.rs",
                "//! x\npub mod idempotency;\nmod tx;\nmod error;\npub use tx::{Done, Pending};\n",
            ),
            (
                "tx.rs",
                "//! x\nuse crate::{error::{Error}, idempotency::{self as replay}};\n",
            ),
            ("idempotency.rs", "//! x\nuse crate::{Done, Pending};\n"),
            ("error.rs", "//! x\n"),
        ],
        &[&["idempotency", "tx"]],
    );
}

#[test]
fn a_circle_through_super_and_inline_paths_is_found() {
    // A file of a folder module reaching the root with `super::super`, and an inline path.
    check_circles(
        &[
            ("main.rs", "//! x\nmod http;\nmod users;\nmod response;\n"),
            ("http/mod.rs", "//! x\nmod routes;\n"),
            ("http/routes.rs", "//! x\nuse super::super::users::list;\n"),
            (
                "users.rs",
                "//! x\nfn f() { crate::http::serve(); crate::response::json(); }\n",
            ),
            ("response.rs", "//! x\n"),
        ],
        &[&["http", "users"]],
    );
}

#[test]
fn what_is_no_import_makes_no_circle() {
    // Doc links, comments, strings, a test module's `super`, another crate's path and a local
    // name are not imports of another module.
    check_circles(
        &[
            ("lib.rs", "//! x\nmod a;\nmod b;\npub use a::A;\n"),
            ("a.rs", "//! See [`crate::b::B`].\nuse crate::b::B;\npub struct A;\n"),
            (
                "b.rs",
                "//! x\n/// Like [`crate::A`].\npub struct B;\n// crate::a::A\nconst S: &str = \"crate::a\";\n\
                 const R: &str = r#\"crate::A\"#;\nconst C: char = '\"';\nfn f<'a>(x: &'a str) { a::g(); }\n\
                 #[cfg(test)]\nmod tests {\n    use super::*;\n    use super::B;\n}\nuse other::a::A;\n",
            ),
        ],
        &[],
    );
}

#[test]
fn crate_root_modules_are_parsed_whatever_their_visibility() {
    let parsed =
        parse("//! x\npub mod a;\nmod b;\n#[doc(hidden)]\npub(crate) mod c;\nmod tests {\n    mod d;\n}\nmod e {}\n");
    assert_eq!(parsed.modules, ["a", "b", "c"]);
}

/// A crate of a planted workspace: its name, normal dependencies, dev-dependencies and build
/// dependencies.
type PlantedCrate<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);

/// A workspace of `crates` in a temporary folder.
fn planted_workspace(crates: &[PlantedCrate]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let members: Vec<String> = crates.iter().map(|(name, ..)| format!("\"{name}\"")).collect();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .expect("the workspace manifest");
    for (name, normal, dev, build) in crates {
        let section = |title: &str, deps: &[&str]| {
            let lines: Vec<String> = deps.iter().map(|d| format!("{d} = {{ path = \"../{d}\" }}")).collect();
            format!("[{title}]\n{}\n", lines.join("\n"))
        };
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{}{}{}",
            section("dependencies", normal),
            section("dev-dependencies", dev),
            section("build-dependencies", build),
        );
        let src = dir.path().join(name).join("src");
        std::fs::create_dir_all(&src).expect("a crate folder");
        std::fs::write(dir.path().join(name).join("Cargo.toml"), manifest).expect("a crate manifest");
        std::fs::write(src.join("lib.rs"), "//! x\n").expect("a crate root");
    }
    dir
}

#[test]
fn a_forbidden_crate_reached_through_another_is_found_with_its_path() {
    // The console reaches the driver through the use cases and the store; its tests, and the
    // store's build script, may use whatever they like.
    let workspace = planted_workspace(&[
        ("console", &["usecases"], &["testkit"], &[]),
        ("usecases", &["store"], &[], &[]),
        ("store", &["model", "driver"], &[], &["codegen"]),
        ("model", &[], &[], &[]),
        ("driver", &[], &[], &[]),
        ("testkit", &["driver"], &[], &[]),
        ("codegen", &[], &[], &[]),
    ]);
    let graph = DependencyGraph::read(&workspace.path().join("Cargo.toml"));
    let broken = broken_rules(
        &graph,
        &[
            Rule {
                krate: "console",
                anywhere: &["driver", "testkit", "codegen"],
                directly: &["store"],
            },
            Rule {
                krate: "model",
                anywhere: &["driver"],
                directly: &[],
            },
        ],
    );
    assert_eq!(
        broken,
        ["console must not depend on driver: console → usecases → store → driver"]
    );
    let broken = broken_rules(
        &graph,
        &[Rule {
            krate: "usecases",
            anywhere: &[],
            directly: &["store", "driver"],
        }],
    );
    assert_eq!(broken, ["usecases must not name store as a dependency"]);
}
