//! The architecture's invariants (ARCHITECTURE.md), checked: what each crate may depend on, that
//! every source file says what lives in it, that every crate root lists its modules, and that no
//! crate's modules import each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The normal (not dev or build) dependencies of each workspace crate, by name.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(workspace_root().join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    metadata
        .workspace_packages()
        .into_iter()
        .map(|package| {
            let normal = package
                .dependencies
                .iter()
                .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal)
                .map(|d| d.name.clone())
                .collect();
            (package.name.to_string(), normal)
        })
        .collect()
}

#[test]
fn crates_depend_only_on_what_their_boundary_allows() {
    let dependencies = dependencies();
    let forbidden: [(&str, &[&str]); 6] = [
        // The use cases know no HTTP and no wire format.
        (
            "tenantdesk-core",
            &[
                "axum",
                "tower",
                "tower-http",
                "hyper",
                "tenantdesk-wire",
                "serde_json",
                "utoipa",
            ],
        ),
        // The domain does no IO and depends on no framework.
        (
            "tenantdesk-domain",
            &["axum", "sqlx", "serde_json", "tokio", "tenantdesk-store"],
        ),
        // The SDK depends on the wire and the IO-free domain only, never on the server or the store.
        (
            "tenantdesk-client",
            &["tenantdesk-core", "tenantdesk-api", "tenantdesk-store", "sqlx", "axum"],
        ),
        // The console is a front end beside the API: it calls the use cases, never the API's
        // handlers, its wire shapes or the database directly.
        (
            "tenantdesk-console",
            &[
                "tenantdesk-api",
                "tenantdesk-wire",
                "serde_json",
                "utoipa",
                "sqlx",
                "reqwest",
            ],
        ),
        // The API knows nothing of the console.
        ("tenantdesk-api", &["tenantdesk-console", "askama"]),
        // The wire shapes are shared by server and SDK: no server code in them.
        (
            "tenantdesk-wire",
            &["tenantdesk-core", "tenantdesk-api", "tenantdesk-store", "axum", "sqlx"],
        ),
    ];
    for (krate, never) in forbidden {
        let actual = dependencies
            .get(krate)
            .unwrap_or_else(|| panic!("{krate} is in the workspace"));
        let broken: Vec<&&str> = never.iter().filter(|name| actual.contains(**name)).collect();
        assert!(broken.is_empty(), "{krate} must not depend on {broken:?}");
    }
}

/// The accept loop serves whatever router the binary gives it: it knows neither front end.
#[test]
fn the_server_depends_on_neither_front_end() {
    let dependencies = dependencies();
    let server = dependencies
        .get("tenantdesk-server")
        .expect("tenantdesk-server is in the workspace");
    for front_end in ["tenantdesk-api", "tenantdesk-console"] {
        assert!(
            !server.contains(front_end),
            "tenantdesk-server must not depend on {front_end}"
        );
    }
}

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
    roots
}

/// The modules a file declares (`mod name;` / `pub mod name;`, not inline test modules).
fn declared_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod "))?;
            let name = rest.strip_suffix(';')?;
            Some(name.trim().to_owned())
        })
        .collect()
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
        for module in declared_modules(&text) {
            assert!(
                doc.contains(&format!("`{module}`")),
                "{} declares `{module}` but its module doc does not list it",
                root.display()
            );
        }
    }
}

/// The top-level modules of a crate that each top-level module refers to through `crate::`.
fn module_graph(src: &Path, modules: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.exists() {
            files.push(file);
        }
        let dir = src.join(module);
        if dir.is_dir() {
            let mut stack = vec![dir];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "rs") {
                        files.push(path);
                    }
                }
            }
        }
        files
    }
    let mut graph = BTreeMap::new();
    for module in modules {
        let mut uses = BTreeSet::new();
        for file in files_of(src, module) {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            for (index, _) in text.match_indices("crate::") {
                let rest = &text[index + "crate::".len()..];
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    // `use crate::{a, b::c, D};`: the first segment of each item.
                    Some(group) => group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|item| item.trim().split("::").next().unwrap_or_default())
                        .collect(),
                    None => vec![
                        rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .next()
                            .unwrap_or_default(),
                    ],
                };
                for name in names {
                    if name != module && modules.iter().any(|m| m == name) {
                        uses.insert(name.to_owned());
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A circle in `graph`, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_circle_of_module_imports() {
    for root in crate_roots() {
        let text = std::fs::read_to_string(&root).expect("crate root");
        let modules = declared_modules(&text);
        let src = root.parent().expect("src");
        let graph = module_graph(src, &modules);
        if let Some(circle) = find_circle(&graph) {
            panic!(
                "{}: modules import each other in a circle: {}",
                root.display(),
                circle.join(" → ")
            );
        }
    }
}

#[test]
fn a_circle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("http", &["users"][..]),
        ("users", &["response", "http"][..]),
        ("response", &[][..]),
    ]
    .into_iter()
    .map(|(m, uses)| (m.to_owned(), uses.iter().map(|u| (*u).to_owned()).collect()))
    .collect();
    assert_eq!(find_circle(&graph).unwrap(), ["http", "users", "http"]);
}
