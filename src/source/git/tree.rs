//! Tree objects read straight from the object database, each parsed once
//! per run and shared by every snapshot and diff.
//!
//! `Tree::get_path` re-reads every level from the root, and libgit2 keeps
//! only trees under 4 KiB in its cache: a directory of a few hundred
//! features would be inflated and parsed again for every file read in it.
//! Here a tree is inflated once, its entries indexed in place (the names
//! stay in the object's own buffer), and looked up by binary search.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use git2::{ObjectType, Oid, Repository};

pub const TREE_MODE: u32 = 0o040000;
pub const SUBMODULE_MODE: u32 = 0o160000;

/// A tree's entries in git's order: by name, a directory's name compared
/// as if it ended in `/`.
pub struct Listing {
    data: Box<[u8]>,
    items: Vec<Item>,
}

#[derive(Clone, Copy)]
struct Item {
    mode: u32,
    name_start: u32,
    name_end: u32,
    id: Oid,
}

/// One entry of a [`Listing`].
#[derive(Clone, Copy)]
pub struct Entry<'l> {
    pub name: &'l [u8],
    pub id: Oid,
    pub mode: u32,
}

impl Entry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }

    /// A file, a symbolic link or an executable: not a directory and not a
    /// submodule.
    pub fn is_file(&self) -> bool {
        self.mode != TREE_MODE && self.mode != SUBMODULE_MODE
    }

    fn key(&self) -> impl Iterator<Item = u8> + '_ {
        self.name
            .iter()
            .copied()
            .chain(self.is_tree().then_some(b'/'))
    }
}

impl Listing {
    /// Parses a raw tree object: `<octal mode> <name>\0<20-byte id>`, repeated.
    pub fn parse(data: &[u8]) -> Option<Listing> {
        let mut items = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let space = at + data[at..].iter().position(|&b| b == b' ')?;
            let mut mode = 0u32;
            for &digit in &data[at..space] {
                if !(b'0'..=b'7').contains(&digit) {
                    return None;
                }
                mode = mode.checked_mul(8)?.checked_add(u32::from(digit - b'0'))?;
            }
            let name_start = space + 1;
            let nul = name_start + data[name_start..].iter().position(|&b| b == 0)?;
            let id_end = nul + 1 + 20;
            let id = Oid::from_bytes(data.get(nul + 1..id_end)?).ok()?;
            items.push(Item {
                mode,
                name_start: u32::try_from(name_start).ok()?,
                name_end: u32::try_from(nul).ok()?,
                id,
            });
            at = id_end;
        }
        Some(Listing {
            data: data.into(),
            items,
        })
    }

    fn entry(&self, item: &Item) -> Entry<'_> {
        Entry {
            name: &self.data[item.name_start as usize..item.name_end as usize],
            id: item.id,
            mode: item.mode,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        self.items.iter().map(|item| self.entry(item))
    }

    /// The entry named `name`, file or directory.
    pub fn get(&self, name: &str) -> Option<Entry<'_>> {
        let name = name.as_bytes();
        [false, true].into_iter().find_map(|as_dir| {
            let target = name.iter().copied().chain(as_dir.then_some(b'/'));
            let found = self
                .items
                .binary_search_by(|item| self.entry(item).key().cmp(target.clone()))
                .ok()?;
            let entry = self.entry(&self.items[found]);
            (entry.is_tree() == as_dir).then_some(entry)
        })
    }
}

/// Parsed trees by id, for the whole run.
pub type Cache = Mutex<HashMap<Oid, Arc<Listing>>>;

/// The listing of tree `id`, parsed on first use.
pub fn listing(cache: &Cache, repo: &Repository, id: Oid) -> Result<Arc<Listing>, git2::Error> {
    if let Some(known) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Ok(Arc::clone(known));
    }
    let odb = repo.odb()?;
    let object = odb.read(id)?;
    if object.kind() != ObjectType::Tree {
        return Err(git2::Error::from_str(&format!("{id} is not a tree")));
    }
    let listing = Arc::new(
        Listing::parse(object.data())
            .ok_or_else(|| git2::Error::from_str(&format!("tree {id} is malformed")))?,
    );
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, Arc::clone(&listing));
    Ok(listing)
}

/// How deep [`DirTrees::walk`] descends: far beyond any governed layout
/// (`features/<team>/<id>/signoffs/`), well within a worker thread's stack.
pub const MAX_WALK_DEPTH: usize = 256;

/// Runs a tree read on a repository handle the calling thread may use;
/// `None` when the read fails on every handle tried.
pub type WithRepo<'a> =
    dyn Fn(&dyn Fn(&Repository) -> Option<Arc<Listing>>) -> Option<Arc<Listing>> + Sync + 'a;

/// The directories of one tree, by path: each resolved once.
pub struct DirTrees {
    root: Oid,
    dirs: Mutex<HashMap<String, Option<Oid>>>,
    cache: Arc<Cache>,
}

impl DirTrees {
    pub fn new(root: Oid, cache: &Arc<Cache>) -> DirTrees {
        DirTrees {
            root,
            dirs: Mutex::new(HashMap::new()),
            cache: Arc::clone(cache),
        }
    }

    /// The tree id of `dir` (`a/b`, or empty for the root).
    pub fn tree_id(&self, repo: &Repository, dir: &str) -> Option<Oid> {
        if dir.is_empty() {
            return Some(self.root);
        }
        if let Some(known) = self.dirs.lock().unwrap_or_else(|p| p.into_inner()).get(dir) {
            return *known;
        }
        let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
        // A parent that is absent, or that this handle cannot read, is not
        // remembered here: another handle may see it.
        let parent = self.listing(repo, parent)?;
        let id = parent.get(name).filter(Entry::is_tree).map(|e| e.id);
        self.dirs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dir.to_string(), id);
        id
    }

    pub fn listing(&self, repo: &Repository, dir: &str) -> Option<Arc<Listing>> {
        let id = self.tree_id(repo, dir)?;
        listing(&self.cache, repo, id).ok()
    }

    /// Every file, link and submodule under `dir` (recursively), as
    /// (path, id, mode), in no particular order. Each subdirectory's tree is
    /// parsed into the shared cache and its id remembered, so reading the
    /// files listed looks nothing up again. Subdirectories are walked in
    /// parallel; `with_repo` runs a read on a repository handle the calling
    /// thread may use (`None` when it has none).
    /// Directories nested deeper than [`MAX_WALK_DEPTH`] below `dir` are an
    /// error (a tree object can nest without end; the walk recurses).
    pub fn walk(
        &self,
        dir: &str,
        id: Oid,
        with_repo: &WithRepo<'_>,
    ) -> Result<Vec<(String, Oid, u32)>, String> {
        self.walk_at(dir, id, with_repo, 0)
    }

    fn walk_at(
        &self,
        dir: &str,
        id: Oid,
        with_repo: &WithRepo<'_>,
        depth: usize,
    ) -> Result<Vec<(String, Oid, u32)>, String> {
        use rayon::prelude::*;
        if depth > MAX_WALK_DEPTH {
            return Err(format!(
                "directories nest more than {MAX_WALK_DEPTH} levels deep under `{dir}`"
            ));
        }
        let listing = with_repo(&|repo| listing(&self.cache, repo, id).ok())
            .ok_or_else(|| format!("could not read tree {id} at `{dir}`"))?;
        let base = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        for entry in listing.iter() {
            let Ok(name) = std::str::from_utf8(entry.name) else {
                // What a directory no path can name holds (a manifest, a
                // sign-off) would be skipped unseen: refused instead.
                if entry.is_tree() {
                    return Err(format!(
                        "a directory in `{dir}` has a name that is not UTF-8 ({})",
                        String::from_utf8_lossy(entry.name)
                    ));
                }
                continue;
            };
            let path = format!("{base}{name}");
            if entry.is_tree() {
                subdirs.push((path, entry.id));
            } else {
                files.push((path, entry.id, entry.mode));
            }
        }
        {
            let mut dirs = self.dirs.lock().unwrap_or_else(|p| p.into_inner());
            for (path, id) in &subdirs {
                dirs.insert(path.clone(), Some(*id));
            }
        }
        let nested: Vec<Vec<(String, Oid, u32)>> = subdirs
            .par_iter()
            .map(|(path, id)| self.walk_at(path, *id, with_repo, depth + 1))
            .collect::<Result<_, _>>()?;
        files.extend(nested.into_iter().flatten());
        Ok(files)
    }

    /// The id and mode at `path`, if it is a file (not a directory or a
    /// submodule).
    pub fn file(&self, repo: &Repository, path: &str) -> Option<(Oid, u32)> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let listing = self.listing(repo, dir)?;
        let entry = listing.get(name).filter(Entry::is_file)?;
        Some((entry.id, entry.mode))
    }
}

/// A file's object id and mode on one side of a diff.
pub type Side = Option<(Oid, u32)>;

/// Hands `found` every path that differs between trees `old` and `new`
/// (either may be absent), with its entry on the old and the new side
/// (`None` where it is absent or a directory), descending only into
/// directories `enter` accepts (given as `dir/`). Subtrees with the same id
/// are skipped, so the cost follows the size of the change, not of the
/// repository (the way `git diff` compares trees). Both trees are in git's
/// order, so one merge pass pairs their entries up.
pub fn diff_with(
    cache: &Cache,
    repo: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &str,
    enter: &dyn Fn(&str) -> bool,
    found: &mut dyn FnMut(String, Side, Side),
) -> Result<(), git2::Error> {
    let old = old.map(|id| listing(cache, repo, id)).transpose()?;
    let new = new.map(|id| listing(cache, repo, id)).transpose()?;
    let mut before = old.iter().flat_map(|l| l.iter()).peekable();
    let mut after = new.iter().flat_map(|l| l.iter()).peekable();
    loop {
        let order = match (before.peek(), after.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => a.key().cmp(b.key()),
        };
        let (old_entry, new_entry) = match order {
            Ordering::Less => (before.next(), None),
            Ordering::Greater => (None, after.next()),
            Ordering::Equal => (before.next(), after.next()),
        };
        if old_entry.map(|e| e.id) == new_entry.map(|e| e.id) {
            continue;
        }
        let Some(name) = old_entry
            .or(new_entry)
            .and_then(|e| std::str::from_utf8(e.name).ok())
        else {
            continue;
        };
        let path = format!("{prefix}{name}");
        // Files, links and submodules: everything but a directory is a path.
        if old_entry.is_some_and(|e| !e.is_tree()) || new_entry.is_some_and(|e| !e.is_tree()) {
            let side = |e: Option<Entry<'_>>| e.filter(|e| !e.is_tree()).map(|e| (e.id, e.mode));
            found(path.clone(), side(old_entry), side(new_entry));
        }
        let subtree = |e: Option<Entry<'_>>| e.filter(Entry::is_tree).map(|e| e.id);
        let (old_tree, new_tree) = (subtree(old_entry), subtree(new_entry));
        let dir = format!("{path}/");
        if (old_tree.is_some() || new_tree.is_some()) && enter(&dir) {
            diff_with(cache, repo, old_tree, new_tree, &dir, enter, found)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use git2::{Oid, Repository};

    use super::{Cache, diff_with};

    /// The changed paths of a diff, as a set.
    fn diff(
        cache: &Cache,
        repo: &Repository,
        old: Option<Oid>,
        new: Option<Oid>,
        prefix: &str,
        enter: &dyn Fn(&str) -> bool,
        out: &mut BTreeSet<String>,
    ) -> Result<(), git2::Error> {
        diff_with(cache, repo, old, new, prefix, enter, &mut |path, _, _| {
            out.insert(path);
        })
    }

    /// Writes a tree from `(path, content)` pairs (nested directories
    /// included) and returns its id.
    fn write_tree(repo: &Repository, files: &[(&str, &str)]) -> Oid {
        fn build(repo: &Repository, files: &[(String, &str)]) -> Oid {
            let mut builder = repo.treebuilder(None).unwrap();
            let mut dirs: std::collections::BTreeMap<String, Vec<(String, &str)>> =
                Default::default();
            for (path, content) in files {
                match path.split_once('/') {
                    Some((dir, rest)) => dirs
                        .entry(dir.to_string())
                        .or_default()
                        .push((rest.to_string(), content)),
                    None => {
                        let blob = repo.blob(content.as_bytes()).unwrap();
                        builder.insert(path, blob, 0o100644).unwrap();
                    }
                }
            }
            for (dir, inner) in dirs {
                let tree = build(repo, &inner);
                builder.insert(&dir, tree, 0o040000).unwrap();
            }
            builder.write().unwrap()
        }
        let owned: Vec<(String, &str)> = files.iter().map(|(p, c)| (p.to_string(), *c)).collect();
        build(repo, &owned)
    }

    /// A directory whose name is not UTF-8 under a listed directory is an
    /// error of the listing, never skipped.
    #[test]
    fn a_walk_refuses_a_directory_named_in_bytes_that_are_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // `features/café/feature.toml`, the name in Latin-1, and a file
        // named the same way (skipped, as before).
        let (root, features) = {
            let inner = write_tree(&repo, &[("feature.toml", "id = \"x\"")]);
            let mut features = repo.treebuilder(None).unwrap();
            features
                .insert(b"caf\xe9".to_vec(), inner, 0o040000)
                .unwrap();
            let blob = repo.blob(b"id = \"y\"").unwrap();
            features
                .insert(b"note-\xe9.md".to_vec(), blob, 0o100644)
                .unwrap();
            let features = features.write().unwrap();
            let mut root = repo.treebuilder(None).unwrap();
            root.insert("features", features, 0o040000).unwrap();
            (root.write().unwrap(), features)
        };
        let trees = super::DirTrees::new(root, &std::sync::Arc::new(Cache::default()));
        let shared = std::sync::Mutex::new(repo);
        let with_repo = |read: &dyn Fn(&Repository) -> Option<std::sync::Arc<super::Listing>>| {
            read(&shared.lock().unwrap())
        };
        let error = trees.walk("features", features, &with_repo).unwrap_err();
        assert!(error.contains("not UTF-8"), "{error}");
    }

    /// A tree nested past the limit is an error of the walk, not a stack
    /// overflow.
    #[test]
    fn a_walk_refuses_directories_nested_without_end() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut deep = write_tree(&repo, &[("feature.toml", "id = \"x\"")]);
        for _ in 0..super::MAX_WALK_DEPTH + 2 {
            let mut builder = repo.treebuilder(None).unwrap();
            builder.insert("d", deep, 0o040000).unwrap();
            deep = builder.write().unwrap();
        }
        let shallow = write_tree(&repo, &[("a/b/c/feature.toml", "id = \"x\"")]);
        let shared = std::sync::Mutex::new(repo);
        let with_repo = |read: &dyn Fn(&Repository) -> Option<std::sync::Arc<super::Listing>>| {
            read(&shared.lock().unwrap())
        };
        let trees = super::DirTrees::new(deep, &std::sync::Arc::new(Cache::default()));
        let error = trees.walk("", deep, &with_repo).unwrap_err();
        assert!(error.contains("levels deep"), "{error}");
        // Within the limit, the file is found.
        let trees = super::DirTrees::new(shallow, &std::sync::Arc::new(Cache::default()));
        let found = trees.walk("", shallow, &with_repo).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "a/b/c/feature.toml");
    }

    #[test]
    fn diff_pairs_entries_in_git_order() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // `a` as a directory sorts after the new `a-b` in git's order,
        // though before it by plain name;
        // `foo` turns from a file into a directory; `z` is deleted and `n`
        // added.
        let old = write_tree(
            &repo,
            &[
                ("b.toml", "1"),
                ("a/x.toml", "1"),
                ("a/y.toml", "1"),
                ("foo", "1"),
                ("same/s.toml", "1"),
                ("z/y.toml", "1"),
            ],
        );
        let new = write_tree(
            &repo,
            &[
                ("a-b", "1"),
                ("b.toml", "2"),
                ("a/x.toml", "1"),
                ("a/y.toml", "2"),
                ("foo/bar.toml", "1"),
                ("n/new.toml", "1"),
                ("same/s.toml", "1"),
            ],
        );
        let cache = Cache::default();
        let mut changed = BTreeSet::new();
        diff(
            &cache,
            &repo,
            Some(old),
            Some(new),
            "",
            &|_| true,
            &mut changed,
        )
        .unwrap();
        let expected: BTreeSet<String> = [
            "a-b",
            "b.toml",
            "a/y.toml",
            "foo",
            "foo/bar.toml",
            "n/new.toml",
            "z/y.toml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(changed, expected);
        let mut reverse = BTreeSet::new();
        diff(
            &cache,
            &repo,
            Some(new),
            Some(old),
            "",
            &|_| true,
            &mut reverse,
        )
        .unwrap();
        assert_eq!(reverse, expected);
    }

    #[test]
    fn lookups_find_files_and_directories_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let root = write_tree(
            &repo,
            &[("a-b", "1"), ("a/x.toml", "2"), ("a.toml", "3"), ("b", "4")],
        );
        let cache = Cache::default();
        let listing = super::listing(&cache, &repo, root).unwrap();
        let names: Vec<&[u8]> = listing.iter().map(|e| e.name).collect();
        assert_eq!(names, [&b"a-b"[..], b"a.toml", b"a", b"b"], "git's order");
        for name in ["a-b", "a.toml", "a", "b"] {
            let entry = listing.get(name).unwrap();
            assert_eq!(entry.name, name.as_bytes());
            assert_eq!(entry.is_tree(), name == "a");
        }
        assert!(listing.get("c").is_none());
        assert!(listing.get("a/").is_none());
        let trees = super::DirTrees::new(root, &std::sync::Arc::new(cache));
        let (blob, mode) = trees.file(&repo, "a/x.toml").unwrap();
        assert_eq!(repo.find_blob(blob).unwrap().content(), b"2");
        assert_eq!(mode, 0o100644);
        assert!(
            trees.file(&repo, "a").is_none(),
            "a directory is not a file"
        );
        assert!(trees.file(&repo, "a/missing").is_none());
    }
}
