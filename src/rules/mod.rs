//! Built-in checks (codes `PL…`). Each check is declared in its own module,
//! whose doc comment is the text `policy explain` prints, in a fixed shape:
//! what it checks, why it matters, an example, the fix.

use crate::diagnostic::Severity;

/// A built-in check: its code, its name, its default severity and its doc.
#[derive(Debug)]
pub struct Check {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub doc: &'static str,
}

macro_rules! declare_check {
    ($(#[doc = $doc:literal])* $name:ident, $check:ident = ($code:literal, $slug:literal, $severity:ident);) => {
        pub const $name: &str = $code;
        pub const $check: $crate::rules::Check = $crate::rules::Check {
            code: $code,
            name: $slug,
            severity: $crate::diagnostic::Severity::$severity,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

mod author_not_member;
mod conditional_without_conditions;
mod debt_blocks_advance;
mod debt_invalid;
mod debt_overdue;
mod debt_past_grace;
mod duplicate_id;
mod duplicate_rule_code;
mod escapes_repository;
mod file_too_large;
mod future_signoff;
mod governed_link;
mod history_unavailable;
mod id_mismatch;
mod invalid_encoding;
mod invalid_expression;
mod invalid_toml;
mod manifest_key_typo;
mod manifest_missing;
mod outdated_playbook;
mod playbook_missing_section;
mod playbook_not_followed;
mod policy_change_preview;
mod policy_change_unsigned;
mod risk_tier_below_computed;
mod schema;
mod separation_of_duties;
mod signature_not_verified;
mod signoff_mismatch;
mod signoff_removed;
mod stale_signoff;
mod unknown_feature_field;
mod unknown_harm_category;
mod unknown_key;
mod unknown_playbook;
mod unknown_role;
mod unknown_stage;
mod version_not_raised;
mod waived;
mod waiver_expired;
mod waiver_expiring;
mod waiver_unused;
mod waiver_wrong_approver;
pub mod codes {
    pub use super::author_not_member::AUTHOR_NOT_MEMBER;
    pub use super::conditional_without_conditions::CONDITIONAL_WITHOUT_CONDITIONS;
    pub use super::debt_blocks_advance::DEBT_BLOCKS_ADVANCE;
    pub use super::debt_invalid::DEBT_INVALID;
    pub use super::debt_overdue::DEBT_OVERDUE;
    pub use super::debt_past_grace::DEBT_PAST_GRACE;
    pub use super::duplicate_id::DUPLICATE_ID;
    pub use super::duplicate_rule_code::DUPLICATE_RULE_CODE;
    pub use super::escapes_repository::ESCAPES_REPOSITORY;
    pub use super::file_too_large::FILE_TOO_LARGE;
    pub use super::future_signoff::FUTURE_SIGNOFF;
    pub use super::governed_link::GOVERNED_LINK;
    pub use super::history_unavailable::HISTORY_UNAVAILABLE;
    pub use super::id_mismatch::ID_MISMATCH;
    pub use super::invalid_encoding::INVALID_ENCODING;
    pub use super::invalid_expression::INVALID_EXPRESSION;
    pub use super::invalid_toml::INVALID_TOML;
    pub use super::manifest_key_typo::MANIFEST_KEY_TYPO;
    pub use super::manifest_missing::MANIFEST_MISSING;
    pub use super::outdated_playbook::OUTDATED_PLAYBOOK;
    pub use super::playbook_missing_section::PLAYBOOK_MISSING_SECTION;
    pub use super::playbook_not_followed::PLAYBOOK_NOT_FOLLOWED;
    pub use super::policy_change_preview::POLICY_CHANGE_PREVIEW;
    pub use super::policy_change_unsigned::POLICY_CHANGE_UNSIGNED;
    pub use super::risk_tier_below_computed::RISK_TIER_BELOW_COMPUTED;
    pub use super::schema::SCHEMA;
    pub use super::separation_of_duties::SEPARATION_OF_DUTIES;
    pub use super::signature_not_verified::SIGNATURE_NOT_VERIFIED;
    pub use super::signoff_mismatch::SIGNOFF_MISMATCH;
    pub use super::signoff_removed::SIGNOFF_REMOVED;
    pub use super::stale_signoff::STALE_SIGNOFF;
    pub use super::unknown_feature_field::UNKNOWN_FEATURE_FIELD;
    pub use super::unknown_harm_category::UNKNOWN_HARM_CATEGORY;
    pub use super::unknown_key::UNKNOWN_KEY;
    pub use super::unknown_playbook::UNKNOWN_PLAYBOOK;
    pub use super::unknown_role::UNKNOWN_ROLE;
    pub use super::unknown_stage::UNKNOWN_STAGE;
    pub use super::version_not_raised::VERSION_NOT_RAISED;
    pub use super::waived::WAIVED;
    pub use super::waiver_expired::WAIVER_EXPIRED;
    pub use super::waiver_expiring::WAIVER_EXPIRING;
    pub use super::waiver_unused::WAIVER_UNUSED;
    pub use super::waiver_wrong_approver::WAIVER_WRONG_APPROVER;
}
pub const BUILTIN: &[&Check] = &[
    &invalid_toml::INVALID_TOML_CHECK,
    &invalid_encoding::INVALID_ENCODING_CHECK,
    &file_too_large::FILE_TOO_LARGE_CHECK,
    &schema::SCHEMA_CHECK,
    &unknown_stage::UNKNOWN_STAGE_CHECK,
    &unknown_harm_category::UNKNOWN_HARM_CATEGORY_CHECK,
    &id_mismatch::ID_MISMATCH_CHECK,
    &duplicate_id::DUPLICATE_ID_CHECK,
    &duplicate_rule_code::DUPLICATE_RULE_CODE_CHECK,
    &invalid_expression::INVALID_EXPRESSION_CHECK,
    &unknown_feature_field::UNKNOWN_FEATURE_FIELD_CHECK,
    &unknown_role::UNKNOWN_ROLE_CHECK,
    &unknown_playbook::UNKNOWN_PLAYBOOK_CHECK,
    &outdated_playbook::OUTDATED_PLAYBOOK_CHECK,
    &playbook_not_followed::PLAYBOOK_NOT_FOLLOWED_CHECK,
    &playbook_missing_section::PLAYBOOK_MISSING_SECTION_CHECK,
    &stale_signoff::STALE_SIGNOFF_CHECK,
    &future_signoff::FUTURE_SIGNOFF_CHECK,
    &conditional_without_conditions::CONDITIONAL_WITHOUT_CONDITIONS_CHECK,
    &signoff_mismatch::SIGNOFF_MISMATCH_CHECK,
    &waiver_expired::WAIVER_EXPIRED_CHECK,
    &waiver_expiring::WAIVER_EXPIRING_CHECK,
    &waiver_unused::WAIVER_UNUSED_CHECK,
    &waived::WAIVED_CHECK,
    &escapes_repository::ESCAPES_REPOSITORY_CHECK,
    &unknown_key::UNKNOWN_KEY_CHECK,
    &version_not_raised::VERSION_NOT_RAISED_CHECK,
    &policy_change_unsigned::POLICY_CHANGE_UNSIGNED_CHECK,
    &author_not_member::AUTHOR_NOT_MEMBER_CHECK,
    &history_unavailable::HISTORY_UNAVAILABLE_CHECK,
    &signoff_removed::SIGNOFF_REMOVED_CHECK,
    &governed_link::GOVERNED_LINK_CHECK,
    &waiver_wrong_approver::WAIVER_WRONG_APPROVER_CHECK,
    &signature_not_verified::SIGNATURE_NOT_VERIFIED_CHECK,
    &separation_of_duties::SEPARATION_OF_DUTIES_CHECK,
    &manifest_missing::MANIFEST_MISSING_CHECK,
    &manifest_key_typo::MANIFEST_KEY_TYPO_CHECK,
    &policy_change_preview::POLICY_CHANGE_PREVIEW_CHECK,
    &risk_tier_below_computed::RISK_TIER_BELOW_COMPUTED_CHECK,
    &debt_overdue::DEBT_OVERDUE_CHECK,
    &debt_past_grace::DEBT_PAST_GRACE_CHECK,
    &debt_blocks_advance::DEBT_BLOCKS_ADVANCE_CHECK,
    &debt_invalid::DEBT_INVALID_CHECK,
];

/// The built-in check with this code, if any.
pub fn builtin(code: &str) -> Option<&'static Check> {
    BUILTIN
        .iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(code) || c.name == code)
}

/// The closest candidate to `word` by edit distance, when it is close
/// enough to be a plausible typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        let limit = (word.chars().count().max(candidate.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_doc_has_the_four_sections() {
        for check in BUILTIN {
            for section in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(
                    check.doc.contains(section),
                    "{} lacks {section}",
                    check.code
                );
            }
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for check in BUILTIN {
            assert!(codes.insert(check.code), "duplicate code {}", check.code);
            assert!(names.insert(check.name), "duplicate name {}", check.name);
            assert!(
                check.code.starts_with("PL") && check.code.len() == 5,
                "{}",
                check.code
            );
        }
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(
            suggest("lanched", ["launched", "cleared"]),
            Some("launched")
        );
        assert_eq!(suggest("zzz", ["launched", "cleared"]), None);
    }
}
