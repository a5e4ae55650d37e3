//! Signed sign-offs (`[signoff] require_signed`, DESIGN §2.5): every commit
//! that writes a sign-off must carry an SSH signature that verifies against
//! a key the trusted revision's allowed-signers file lists for a member of
//! the role. Keys are generated in the test; commits are signed the way git
//! stores SSH signatures (a `gpgsig` header over the commit object), and
//! once through the real `git commit -S` when `ssh-keygen` is present.

use std::path::Path;
use std::process::{Command, Output};

use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, SshSig, rand_core::OsRng};
use tempfile::TempDir;

mod common;
use common::{DATE, binary, isolate};

const CHAIR: &str = "chair@example.com";
const PM: &str = "pm@example.com";
const DEV: &str = "dev@example.com";

const POLICY: &str = r#"
[policy]
id = "launch-gate"
version = "1.0.0"
title = "Launch gate"
owners = ["srb"]

[[rules]]
code = "LG002"
title = "Launch needs an SRB go"
when = "feature.stage == 'launched'"
require_signoffs = ["srb"]
"#;

fn config() -> String {
    r#"
[roles.srb]
members = ["chair@example.com"]
[roles.safety-researcher]
members = ["ana@example.com"]

[signoff]
verify_authors = true
require_signed = true
no_self_approval = false
"#
    .to_string()
}

struct Repo {
    dir: TempDir,
    home: TempDir,
}

fn key() -> PrivateKey {
    PrivateKey::random(&mut OsRng, Algorithm::Ed25519).expect("an Ed25519 key")
}

fn public_line(key: &PrivateKey) -> String {
    key.public_key().to_openssh().expect("OpenSSH public key")
}

impl Repo {
    /// `main`: config, allowed signers (`signers` lines), the launch gate,
    /// and feature `x` launched, written by the product manager.
    fn new(signers: &str) -> Repo {
        let repo = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        };
        repo.git(PM, &["init", "-q", "-b", "main"]);
        repo.write("policy.toml", &config());
        repo.write(".policy/allowed_signers", signers);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.write(
            "features/x/feature.toml",
            "id = \"x\"\ntitle = \"X\"\nstage = \"launched\"\nrisk_tier = \"low\"\n",
        );
        repo.commit(PM, "initial");
        repo.git(PM, &["checkout", "-q", "-b", "pr"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str, email: &str) -> Command {
        let mut command = Command::new(program);
        isolate(&mut command, self.path(), self.home.path(), email, DATE);
        command
    }

    fn git(&self, email: &str, args: &[&str]) -> String {
        let output = self.command("git", email).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn commit(&self, email: &str, message: &str) {
        self.git(email, &["add", "-A"]);
        self.git(email, &["commit", "-q", "-m", message]);
    }

    /// Replaces HEAD by the same commit carrying an SSH signature by `key`
    /// in `namespace`: the way git stores one (a `gpgsig` header whose
    /// continuation lines start with a space, over the unsigned object).
    fn sign_head(&self, key: &PrivateKey, namespace: &str) {
        let payload = self.git(PM, &["cat-file", "commit", "HEAD"]);
        let signature = SshSig::sign(key, namespace, HashAlg::Sha512, payload.as_bytes())
            .unwrap()
            .to_pem(LineEnding::LF)
            .unwrap();
        self.replace_head_signature(&payload, &signature);
    }

    fn replace_head_signature(&self, payload: &str, armored: &str) {
        let id = common::write_signed_commit(self.command("git", PM), payload, armored);
        self.git(PM, &["update-ref", "HEAD", &id]);
    }

    /// The chair's srb go sign-off on `x`, committed as `author`.
    fn srb_signoff(&self, author: &str) {
        let output = self
            .command(binary().to_str().unwrap(), author)
            .args([
                "sign",
                "x",
                "--role",
                "srb",
                "--signer",
                CHAIR,
                "--force",
                "--today",
                "2026-11-26",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        self.commit(author, "srb signs x");
    }

    /// `policy lint --base main` as JSON: exit code and (code, message) pairs.
    fn lint(&self, args: &[&str]) -> (i32, Vec<(String, String)>) {
        let output: Output = self
            .command(binary().to_str().unwrap(), DEV)
            .args(["lint", "--format", "json", "--today", "2026-11-26"])
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let document: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&output.stderr))
        });
        let found = document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (output.status.code().unwrap_or(-1), found)
    }
}

fn pl033(found: &[(String, String)]) -> Vec<&str> {
    found
        .iter()
        .filter(|(code, _)| code == "PL033")
        .map(|(_, message)| message.as_str())
        .collect()
}

#[test]
fn a_members_signed_commit_passes() {
    let chair = key();
    let repo = Repo::new(&format!(
        "{CHAIR} namespaces=\"git\" {}\n",
        public_line(&chair)
    ));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&chair, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 0, "{found:?}");
    // Tree mode judges by HEAD's allowed signers: the same verdict.
    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 0, "{found:?}");
}

#[test]
fn an_unsigned_commit_fails() {
    let chair = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    repo.srb_signoff(CHAIR);
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found).iter().any(|m| m.contains("is not signed")),
        "{found:?}"
    );
    assert!(found.iter().any(|(c, _)| c == "LG002"), "{found:?}");
}

#[test]
fn a_forged_author_email_without_the_key_fails() {
    // `GIT_AUTHOR_EMAIL=chair@…` by someone with another key.
    let chair = key();
    let intruder = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&intruder, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found)
            .iter()
            .any(|m| m.contains("which the allowed-signers file does not list")),
        "{found:?}"
    );
}

#[test]
fn an_expired_key_fails() {
    let chair = key();
    // The commit is made on 2026-11-20; the key was retired on 2026-01-01.
    let repo = Repo::new(&format!(
        "{CHAIR} valid-before=\"20260101\" {}\n",
        public_line(&chair)
    ));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&chair, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found)
            .iter()
            .any(|m| m.contains("valid only until 2026-01-01")),
        "{found:?}"
    );
}

#[test]
fn a_signature_in_another_namespace_fails() {
    let chair = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&chair, "file");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found).iter().any(|m| m.contains("namespace `file`")),
        "{found:?}"
    );
    // A line that limits the key to other namespaces fails the same way.
    let repo = Repo::new(&format!(
        "{CHAIR} namespaces=\"file\" {}\n",
        public_line(&chair)
    ));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&chair, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(!pl033(&found).is_empty(), "{found:?}");
}

#[test]
fn a_valid_signature_by_a_non_member_fails() {
    // dev's key is listed (for dev), and dev commits as the chair.
    let chair = key();
    let dev = key();
    let repo = Repo::new(&format!(
        "{CHAIR} {}\n{DEV} {}\n",
        public_line(&chair),
        public_line(&dev)
    ));
    repo.srb_signoff(CHAIR);
    repo.sign_head(&dev, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found)
            .iter()
            .any(|m| m.contains("listed for dev@example.com, who is not a member of role `srb`")),
        "{found:?}"
    );
}

#[test]
fn a_key_added_by_the_change_itself_does_not_count() {
    let chair = key();
    let dev = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    // The pull request lists dev's key for the chair, then signs with it.
    repo.write(
        ".policy/allowed_signers",
        &format!(
            "{CHAIR} {}\n{CHAIR} {}\n",
            public_line(&chair),
            public_line(&dev)
        ),
    );
    repo.srb_signoff(CHAIR);
    repo.sign_head(&dev, "git");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found).iter().any(|m| m.contains("does not list")),
        "the merge-base's allowed signers judge: {found:?}"
    );
}

#[test]
fn gpg_signatures_get_their_own_message() {
    let chair = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    repo.srb_signoff(CHAIR);
    let payload = repo.git(PM, &["cat-file", "commit", "HEAD"]);
    repo.replace_head_signature(
        &payload,
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n",
    );
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        pl033(&found).iter().any(|m| m.contains("GPG signature")),
        "{found:?}"
    );
}

#[test]
fn staged_mode_says_the_signature_is_checked_in_ci() {
    let chair = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    let output = repo
        .command(binary().to_str().unwrap(), CHAIR)
        .args([
            "sign",
            "x",
            "--role",
            "srb",
            "--signer",
            CHAIR,
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    repo.git(CHAIR, &["add", "-A"]);
    let output = repo
        .command(binary().to_str().unwrap(), CHAIR)
        .args([
            "lint",
            "--staged",
            "--format",
            "json",
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("checked when the change is"), "{stdout}");
}

/// The real thing: `git commit -S` with `gpg.format = ssh` and a key made by
/// `ssh-keygen`. Skipped where ssh-keygen is not installed.
#[test]
fn git_commit_dash_s_with_an_ssh_key_verifies() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("ssh-keygen is not installed; skipping");
        return;
    }
    let keys = TempDir::new().unwrap();
    let private = keys.path().join("chair");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", CHAIR, "-f"])
        .arg(&private)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(keys.path().join("chair.pub")).unwrap();
    let repo = Repo::new(&format!("{CHAIR} {public}"));
    let output = repo
        .command(binary().to_str().unwrap(), CHAIR)
        .args([
            "sign",
            "x",
            "--role",
            "srb",
            "--signer",
            CHAIR,
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    repo.git(CHAIR, &["add", "-A"]);
    let signing_key = format!("{}.pub", private.display());
    repo.git(
        CHAIR,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={signing_key}"),
            "commit",
            "-q",
            "-S",
            "-m",
            "srb signs x (signed)",
        ],
    );
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 0, "{found:?}");
}

/// The allowed-signers file is part of the judge: a pull request that adds
/// a key (to sign in a member's name later) needs the admins' go.
#[test]
fn adding_a_key_to_the_allowed_signers_needs_the_admins_go() {
    let chair = key();
    let dev = key();
    let repo = Repo::new(&format!("{CHAIR} {}\n", public_line(&chair)));
    repo.write(
        ".policy/allowed_signers",
        &format!(
            "{CHAIR} {}\n{CHAIR} {}\n",
            public_line(&chair),
            public_line(&dev)
        ),
    );
    repo.commit(DEV, "another key for the chair");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        found
            .iter()
            .any(|(c, m)| c == "PL027" && m.contains("modifies allowed signers")),
        "{found:?}"
    );
}

/// Separation of duties under `require_signed`: the chair edits `x` in a
/// commit that claims pm as its author, then gives the srb go in a commit
/// signed with the chair's own key. The author email of the content commit
/// is a claim like any other; the signature says who made it. `signed`:
/// whether the chair also signed the content commit.
fn forged_content_author(signed: bool) -> (i32, Vec<(String, String)>) {
    let chair = key();
    let repo = Repo::new(&format!(
        "{CHAIR} namespaces=\"git\" {}\n",
        public_line(&chair)
    ));
    repo.git(PM, &["checkout", "-q", "main"]);
    repo.write(
        "policy.toml",
        &config().replace("no_self_approval = false", "no_self_approval = true"),
    );
    repo.commit(PM, "separation of duties");
    repo.git(PM, &["checkout", "-q", "-B", "pr"]);
    repo.write(
        "features/x/feature.toml",
        "id = \"x\"\ntitle = \"X\"\nstage = \"launched\"\nrisk_tier = \"medium\"\n",
    );
    repo.git(CHAIR, &["add", "-A"]);
    repo.git(
        CHAIR,
        &[
            "commit",
            "-q",
            "--author",
            "PM <pm@example.com>",
            "-m",
            "x is medium risk",
        ],
    );
    if signed {
        repo.sign_head(&chair, "git");
    }
    repo.srb_signoff(CHAIR);
    repo.sign_head(&chair, "git");
    repo.lint(&["--base", "main"])
}

#[test]
#[ignore = "gap: with require_signed, the author of a feature's content is still the email its commit claims; an unsigned commit claiming another author lets its real author approve it (failing closed would need every content commit signed)"]
fn a_forged_author_on_an_unsigned_content_commit_does_not_hide_self_approval() {
    let (code, found) = forged_content_author(false);
    assert_eq!(code, 1, "{found:?}");
    assert!(found.iter().any(|(code, _)| code == "PL034"), "{found:?}");
}

#[test]
#[ignore = "gap: with require_signed, the author of a feature's content is the email its commit claims, not the principal whose key signed the commit"]
fn a_forged_author_on_a_content_commit_signed_by_the_approver_is_self_approval() {
    let (code, found) = forged_content_author(true);
    assert_eq!(code, 1, "{found:?}");
    assert!(found.iter().any(|(code, _)| code == "PL034"), "{found:?}");
}
