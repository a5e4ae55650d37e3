//! Which manifest fields exist, for the static checks of expressions
//! (`feature.risk_teir` gets a did-you-mean). Each question is answered
//! once per run and scans the manifests in parallel: a field that no
//! manifest has costs a full scan, and the same names come up in many
//! expressions.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use rayon::prelude::*;

use crate::model::feature::Feature;
use crate::model::tree::Table;

pub struct FieldIndex<'a> {
    features: &'a [Feature],
    present: RefCell<HashMap<String, bool>>,
    names: RefCell<HashMap<String, Rc<BTreeSet<String>>>>,
}

impl<'a> FieldIndex<'a> {
    pub fn new(features: &'a [Feature]) -> FieldIndex<'a> {
        FieldIndex {
            features,
            present: RefCell::new(HashMap::new()),
            names: RefCell::new(HashMap::new()),
        }
    }

    /// True when any manifest has the dotted field `path`
    /// (`monitoring.toxicity`).
    pub fn has(&self, path: &str) -> bool {
        if let Some(&known) = self.present.borrow().get(path) {
            return known;
        }
        let found = self
            .features
            .par_iter()
            .any(|f| f.table.lookup(path).is_some());
        self.present.borrow_mut().insert(path.to_string(), found);
        found
    }

    /// The keys found under the table at dotted `path` (the top level for
    /// an empty path) in any manifest: the candidates for a did-you-mean.
    pub fn names_at(&self, path: &str) -> Rc<BTreeSet<String>> {
        if let Some(known) = self.names.borrow().get(path) {
            return Rc::clone(known);
        }
        let table_at = |table: &'a Table| -> Option<&'a Table> {
            if path.is_empty() {
                Some(table)
            } else {
                table.lookup(path).and_then(|e| e.node.value.as_table())
            }
        };
        let names: BTreeSet<String> = self
            .features
            .par_iter()
            .fold(BTreeSet::new, |mut names, feature| {
                if let Some(table) = table_at(&feature.table) {
                    for key in table.keys() {
                        if !names.contains(key) {
                            names.insert(key.to_string());
                        }
                    }
                }
                names
            })
            .reduce(BTreeSet::new, |mut a, mut b| {
                a.append(&mut b);
                a
            });
        let names = Rc::new(names);
        self.names
            .borrow_mut()
            .insert(path.to_string(), Rc::clone(&names));
        names
    }
}
