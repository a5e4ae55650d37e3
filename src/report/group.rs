//! How the human output arranges findings: by importance, and with findings
//! that share a cause said once.
//!
//! - **Grouping.** Findings of one feature whose [`Cause`] keys are equal
//!   follow from one fact (one edit made three panel sign-offs stale: three
//!   gate findings and three stale-sign-off findings) and are shown as one
//!   diagnostic that lists what they have in common (the roles) and the
//!   codes it stands for. Machine formats keep one result per finding.
//! - **Order.** Errors, then warnings, then notes; within a severity, a
//!   feature's findings stay together (features in the canonical order of
//!   their first finding), gates (required sign-offs) first; otherwise the
//!   canonical order of [`crate::diagnostic::sort`].

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Label};

/// Findings shown as one: the key finding (the most severe, a gate before
/// what explains it) first.
#[derive(Debug)]
pub struct Group<'a> {
    pub members: Vec<&'a Diagnostic>,
}

impl Group<'_> {
    /// The finding the group is headed by.
    pub fn key(&self) -> &Diagnostic {
        self.members[0]
    }

    /// The distinct items of the members' causes, in member order.
    pub fn items(&self) -> Vec<&str> {
        let mut items: Vec<&str> = Vec::new();
        for member in &self.members {
            if let Some(cause) = &member.cause
                && !items.contains(&cause.item.as_str())
            {
                items.push(&cause.item);
            }
        }
        items
    }
}

/// `diagnostics` (in canonical order) grouped and ordered for reading.
pub fn groups(diagnostics: &[Diagnostic]) -> Vec<Group<'_>> {
    let mut feature_rank: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, d) in diagnostics.iter().enumerate() {
        if let Some(feature) = d.feature.as_deref() {
            feature_rank.entry(feature).or_insert(index);
        }
    }
    let mut by_cause: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut groups: Vec<Vec<(usize, &Diagnostic)>> = Vec::new();
    for (index, d) in diagnostics.iter().enumerate() {
        let shared = match (d.feature.as_deref(), &d.cause) {
            (Some(feature), Some(cause)) => Some((feature, cause.key.as_str())),
            _ => None,
        };
        match shared.and_then(|k| by_cause.get(&k).copied()) {
            Some(group) => groups[group].push((index, d)),
            None => {
                if let Some(k) = shared {
                    by_cause.insert(k, groups.len());
                }
                groups.push(vec![(index, d)]);
            }
        }
    }
    let importance = |(index, d): &(usize, &Diagnostic)| {
        (
            Reverse(d.severity),
            Reverse(d.cause.as_ref().is_some_and(|c| c.gate)),
            *index,
        )
    };
    for members in &mut groups {
        members.sort_by_key(importance);
    }
    groups.sort_by_key(|members| {
        let (index, key) = members[0];
        let rank = key
            .feature
            .as_deref()
            .and_then(|f| feature_rank.get(f).copied())
            .unwrap_or(index);
        (
            Reverse(key.severity),
            rank,
            Reverse(key.cause.as_ref().is_some_and(|c| c.gate)),
            index,
        )
    });
    groups
        .into_iter()
        .map(|members| Group {
            members: members.into_iter().map(|(_, d)| d).collect(),
        })
        .collect()
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
pub(crate) fn listed(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One diagnostic that stands for the whole group: the key finding's code
/// and severity, the cause said once with its items, every member's
/// evidence in the key finding's file, the evidence several items share
/// (the policy line that requires the roles), and the files that belong
/// to one item each (the sign-offs) named in the help.
pub fn merged(group: &Group<'_>) -> Diagnostic {
    let key = group.key();
    if group.members.len() == 1 {
        return key.clone();
    }
    let items = group.items();
    let mut out = key.clone();
    if items.len() > 1
        && let Some(cause) = &key.cause
    {
        let list = listed(&items);
        out.message = format!("{}{list}{}", cause.message.0, cause.message.1);
        if let Some(primary) = &mut out.primary {
            primary.message = Some(format!("{}{list}{}", cause.label.0, cause.label.1));
        }
    }
    let home = key.primary.as_ref().map(|l| l.file.path.clone());
    // Labels elsewhere, with the items that point into each file.
    let mut elsewhere: BTreeMap<String, (Vec<Label>, Vec<&str>)> = BTreeMap::new();
    let mut here: Vec<Label> = Vec::new();
    for member in &group.members {
        let item = member.cause.as_ref().map_or("", |c| c.item.as_str());
        let primary = member
            .primary
            .iter()
            .filter(|_| !std::ptr::eq(*member, key));
        for label in primary.chain(member.related.iter()) {
            if Some(&label.file.path) == home.as_ref() {
                here.push(label.clone());
            } else {
                let (labels, items) = elsewhere.entry(label.file.path.clone()).or_default();
                labels.push(label.clone());
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
    }
    let taken = |labels: &[Label], label: &Label| {
        labels
            .iter()
            .any(|l| l.file.path == label.file.path && l.span == label.span)
    };
    let mut related: Vec<Label> = Vec::new();
    let primary_span = key.primary.as_ref().map(|l| l.span.clone());
    for label in here {
        if Some(&label.span) != primary_span.as_ref() && !taken(&related, &label) {
            related.push(label);
        }
    }
    let mut named = Vec::new();
    for (path, (labels, pointing)) in elsewhere {
        if pointing.len() > 1 || items.len() <= 1 {
            for label in labels {
                if !taken(&related, &label) {
                    related.push(label);
                }
            }
        } else {
            named.push(path);
        }
    }
    out.related = merge_on_lines(related);
    let mut counts: BTreeMap<(&str, crate::diagnostic::Severity), usize> = BTreeMap::new();
    for member in &group.members {
        *counts
            .entry((member.code.as_str(), member.severity))
            .or_default() += 1;
    }
    let mut counted: Vec<String> = Vec::new();
    for member in &group.members {
        let n = counts
            .remove(&(member.code.as_str(), member.severity))
            .unwrap_or(0);
        if n > 0 {
            let times = if n > 1 {
                format!(" ×{n}")
            } else {
                String::new()
            };
            counted.push(format!(
                "{}{times} ({})",
                member.code,
                member.severity.as_str()
            ));
        }
    }
    // Help of the key finding's kind, once per distinct text: one line
    // when the rule has its own, one command per item when it is made per
    // item.
    let mut helps: Vec<&str> = Vec::new();
    for member in group.members.iter().filter(|m| m.code == key.code) {
        if let Some(help) = member.help.as_deref()
            && !helps.contains(&help)
        {
            helps.push(help);
        }
    }
    let mut help = helps.join("\n");
    if !help.is_empty() {
        help.push('\n');
    }
    help.push_str(&format!(
        "{} findings shown as one: {}",
        group.members.len(),
        counted.join(", ")
    ));
    if !named.is_empty() {
        help.push_str(&format!("\nsee {}", named.join(", ")));
    }
    out.help = Some(help);
    out
}

/// Labels with the same message on one line of one file become one label
/// over all of them (`LG001 requires this role` under three roles).
fn merge_on_lines(labels: Vec<Label>) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    for label in labels {
        let line = |l: &Label| l.file.text[..l.span.start].matches('\n').count();
        match out.iter_mut().find(|o| {
            o.file.path == label.file.path
                && o.message == label.message
                && line(o) == line(&label)
                && !label.file.text
                    [o.span.start.min(label.span.start)..o.span.end.max(label.span.end)]
                    .contains('\n')
        }) {
            Some(existing) => {
                existing.span = existing.span.start.min(label.span.start)
                    ..existing.span.end.max(label.span.end);
            }
            None => out.push(label),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Cause, Severity, SourceFile};

    fn cause(key: &str, item: &str, gate: bool) -> Cause {
        Cause {
            key: key.into(),
            item: item.into(),
            message: ("sign-offs from ".into(), " are stale".into()),
            label: ("needs ".into(), String::new()),
            gate,
        }
    }

    #[test]
    fn one_cause_is_one_group_errors_and_gates_first() {
        let file = SourceFile::new("features/a/feature.toml", "stage = \"cleared\"\nx = 1\n");
        let d = |code: &str, severity, feature: &str, c: Option<Cause>| {
            let mut d = Diagnostic::new(code, severity, format!("{code} {feature}"))
                .at(&file, 0..5, "here")
                .feature(feature);
            d.cause = c;
            d
        };
        let all = vec![
            d("HYP001", Severity::Error, "a", None),
            d(
                "LG001",
                Severity::Error,
                "a",
                Some(cause("stale", "r1", true)),
            ),
            d(
                "LG001",
                Severity::Error,
                "a",
                Some(cause("stale", "r2", true)),
            ),
            d(
                "PL017",
                Severity::Warning,
                "a",
                Some(cause("stale", "r1", false)),
            ),
            d(
                "PL017",
                Severity::Warning,
                "a",
                Some(cause("stale", "r2", false)),
            ),
            d(
                "PL017",
                Severity::Warning,
                "b",
                Some(cause("stale", "r1", false)),
            ),
            d("X001", Severity::Note, "a", None),
        ];
        let groups = groups(&all);
        let shape: Vec<(String, usize)> = groups
            .iter()
            .map(|g| {
                (
                    format!("{} {}", g.key().code, g.key().feature.as_deref().unwrap()),
                    g.members.len(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("LG001 a".to_string(), 4),
                ("HYP001 a".to_string(), 1),
                ("PL017 b".to_string(), 1),
                ("X001 a".to_string(), 1),
            ]
        );
        let merged = merged(&groups[0]);
        assert_eq!(merged.message, "sign-offs from `r1` and `r2` are stale");
        assert_eq!(
            merged.primary.as_ref().unwrap().message.as_deref(),
            Some("needs `r1` and `r2`")
        );
        assert_eq!(merged.severity, Severity::Error);
        assert!(
            merged
                .help
                .as_deref()
                .unwrap()
                .contains("4 findings shown as one: LG001 ×2 (error), PL017 ×2 (warning)"),
            "{merged:?}"
        );
    }
}
