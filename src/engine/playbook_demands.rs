//! One finding for one missing playbook. A policy rule can demand a
//! playbook (`assert = 'feature.playbooks.exists(p, p.startsWith("red-team@"))'`)
//! while the playbook's own `applies_when` says the same thing; both would
//! then report the same missing entry on the same `playbooks` line. The
//! policy rule's finding stays (its owners, message and waivers govern the
//! demand) and names the playbook's `applies_when` as a related place; the
//! built-in PL015 finding for that playbook goes.

use crate::diagnostic::Diagnostic;
use crate::rules::codes;

/// The message of PL015 when an applicable playbook is not followed.
pub(super) fn not_followed_message(playbook: &str) -> String {
    format!("playbook `{playbook}` applies to this feature but is not followed")
}

/// The playbook ids a rule's `assert` names as references: string
/// literals that start with `<id>@` (`"red-team@"`, `'privacy-review@2'`).
pub(super) fn demanded_playbooks(assert: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for quote in ['"', '\''] {
        let mut pieces = assert.split(quote);
        // Every second piece is inside quotes (CEL has no escapes that
        // matter for an id).
        pieces.next();
        for (i, piece) in pieces.enumerate() {
            if i % 2 != 0 {
                continue;
            }
            if let Some((id, _)) = piece.split_once('@')
                && !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                && !ids.iter().any(|known| known == id)
            {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// Folds, among one feature's findings `out`, each PL015 "not followed"
/// finding into a policy rule finding on the same span whose rule demands
/// the same playbook. `demands` maps a rule code to the playbooks it names.
pub(super) fn fold(demands: &[(&str, Vec<String>)], out: &mut Vec<Diagnostic>) {
    let mut index = 0;
    while index < out.len() {
        let finding = &out[index];
        if finding.code != codes::PLAYBOOK_NOT_FOLLOWED {
            index += 1;
            continue;
        }
        let demanding = out.iter().enumerate().find_map(|(position, rule_finding)| {
            if !same_place(rule_finding, finding) {
                return None;
            }
            demands
                .iter()
                .filter(|(code, _)| *code == rule_finding.code)
                .flat_map(|(_, playbooks)| playbooks)
                .find(|id| finding.message == not_followed_message(id))
                .map(|id| (position, id.clone()))
        });
        match demanding {
            Some((position, playbook)) => {
                let folded = out.remove(index);
                let target = if position > index {
                    position - 1
                } else {
                    position
                };
                for mut label in folded.related {
                    label.message = Some(format!(
                        "playbook `{playbook}` applies here too: its `applies_when` holds"
                    ));
                    out[target].related.push(label);
                }
            }
            None => index += 1,
        }
    }
}

fn same_place(a: &Diagnostic, b: &Diagnostic) -> bool {
    match (&a.primary, &b.primary) {
        (Some(a), Some(b)) => a.file.path == b.file.path && a.span == b.span,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::demanded_playbooks;

    #[test]
    fn names_the_playbooks_an_assert_references() {
        assert_eq!(
            demanded_playbooks(
                r#"has(feature.playbooks) && feature.playbooks.exists(p, p.startsWith("red-team@"))"#
            ),
            ["red-team"]
        );
        assert_eq!(
            demanded_playbooks(r#"'privacy-review@2' in feature.playbooks || "x" == 'a@b'"#),
            ["privacy-review", "a"]
        );
        assert!(demanded_playbooks("feature.owner.endsWith('@example.com')").is_empty());
        assert!(demanded_playbooks("feature.stage == 'review'").is_empty());
    }
}
