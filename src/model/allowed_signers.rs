//! git's allowed-signers file, and SSH signature verification against it.
//!
//! The format is git's (`gpg.ssh.allowedSignersFile`, documented in
//! ssh-keygen(1) under ALLOWED SIGNERS): one key per line,
//!
//! ```text
//! principals [options] keytype base64-key [comment]
//! ```
//!
//! where `principals` is a comma-separated list of patterns (`*` and `?`
//! wildcards, `!` negates), and the options are `namespaces="git,…"`
//! (patterns of the namespaces the key may sign in), `valid-after=` and
//! `valid-before=` (`YYYYMMDD[HHMM[SS]]`, UTC with an optional `Z`), and
//! `cert-authority` (certificate authorities, not supported here: such
//! lines never match). `#` starts a comment line.
//!
//! A signature verifies for a principal when it is an `sshsig` over the
//! signed payload in namespace `git`, made with a key listed for that
//! principal, whose validity window holds the time of signing (the commit's
//! committer time, as git does).

use std::ops::Range;

use ssh_key::{PublicKey, SshSig};

/// One usable line of the file.
#[derive(Clone, Debug)]
pub struct AllowedSigner {
    /// Principal patterns, in order; `!pattern` negates.
    pub principals: Vec<String>,
    /// Namespace patterns; empty means any namespace.
    pub namespaces: Vec<String>,
    /// Seconds since the epoch, UTC.
    pub valid_after: Option<i64>,
    pub valid_before: Option<i64>,
    pub key: PublicKey,
    /// The line's byte range in the file.
    pub span: Range<usize>,
}

/// A parsed allowed-signers file.
#[derive(Clone, Debug, Default)]
pub struct AllowedSigners {
    pub signers: Vec<AllowedSigner>,
    /// Lines that could not be used: their range and why.
    pub problems: Vec<(Range<usize>, String)>,
}

/// The result of checking one commit's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Verified: the principal patterns of each line that lists the key
    /// (as written, negations included).
    Valid {
        principals: Vec<Vec<String>>,
    },
    Unsigned,
    /// An OpenPGP signature: only SSH signatures (`gpg.format = ssh`) are
    /// verified.
    Gpg,
    /// An X.509 (S/MIME) signature.
    X509,
    /// The signature is well formed but its key is in no line of the file.
    UnlistedKey {
        fingerprint: String,
    },
    /// The key is listed, but not for the time of signing.
    Expired {
        principals: Vec<String>,
        window: String,
    },
    /// The key is listed, but the signature's namespace is not `git`, or the
    /// line does not allow it.
    WrongNamespace {
        namespace: String,
    },
    /// The signature does not verify over the commit, or cannot be read.
    Invalid {
        reason: String,
    },
    /// No commit exists yet (staged mode): checked when it does.
    Pending,
    /// There is no allowed-signers file to check against.
    NoAllowedSigners {
        reason: String,
    },
}

impl AllowedSigners {
    pub fn parse(text: &str) -> AllowedSigners {
        let mut out = AllowedSigners::default();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let span = offset..offset + raw.trim_end_matches(['\r', '\n']).len();
            offset += raw.len();
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Ok(Some(mut signer)) => {
                    signer.span = span;
                    out.signers.push(signer);
                }
                Ok(None) => {}
                Err(reason) => out.problems.push((span, reason)),
            }
        }
        out
    }

    /// Checks an armored signature over `payload`, made at `time` (seconds
    /// since the epoch).
    pub fn verify(&self, armored: &str, payload: &[u8], time: i64) -> Verdict {
        let signature = match SshSig::from_pem(armored.trim()) {
            Ok(signature) => signature,
            Err(error) => {
                return Verdict::Invalid {
                    reason: format!("the SSH signature cannot be read ({error})"),
                };
            }
        };
        let fingerprint = PublicKey::from(signature.public_key().clone())
            .fingerprint(Default::default())
            .to_string();
        let listed: Vec<&AllowedSigner> = self
            .signers
            .iter()
            .filter(|s| s.key.key_data() == signature.public_key())
            .collect();
        if listed.is_empty() {
            return Verdict::UnlistedKey { fingerprint };
        }
        if signature.namespace() != "git" {
            return Verdict::WrongNamespace {
                namespace: signature.namespace().to_string(),
            };
        }
        if let Err(error) = listed[0].key.verify("git", payload, &signature) {
            return Verdict::Invalid {
                reason: format!("the signature does not verify over the commit ({error})"),
            };
        }
        let in_namespace: Vec<&&AllowedSigner> = listed
            .iter()
            .filter(|s| s.namespaces.is_empty() || matches_list(&s.namespaces, "git"))
            .collect();
        if in_namespace.is_empty() {
            return Verdict::WrongNamespace {
                namespace: "git".to_string(),
            };
        }
        let current: Vec<&&&AllowedSigner> = in_namespace
            .iter()
            .filter(|s| {
                s.valid_after.is_none_or(|after| time >= after)
                    && s.valid_before.is_none_or(|before| time < before)
            })
            .collect();
        if current.is_empty() {
            let signer = in_namespace[0];
            let window = match (signer.valid_after, signer.valid_before) {
                (Some(a), Some(b)) => format!("from {} until {}", show(a), show(b)),
                (Some(a), None) => format!("from {}", show(a)),
                (None, Some(b)) => format!("until {}", show(b)),
                (None, None) => String::new(),
            };
            return Verdict::Expired {
                principals: signer.principals.clone(),
                window,
            };
        }
        let principals: Vec<Vec<String>> = current.iter().map(|s| s.principals.clone()).collect();
        Verdict::Valid { principals }
    }
}

/// True when some line of a valid verdict admits `email`: one of its
/// patterns matches and none of its negated ones (`!pattern`) does.
pub fn principal_matches(lines: &[Vec<String>], email: &str) -> bool {
    let email = email.to_ascii_lowercase();
    lines.iter().any(|patterns| matches_list(patterns, &email))
}

/// The principals of a valid verdict, for messages.
pub fn shown(lines: &[Vec<String>]) -> String {
    let mut all: Vec<&str> = lines.iter().flatten().map(String::as_str).collect();
    all.sort_unstable();
    all.dedup();
    all.join(", ")
}

fn matches_list(patterns: &[String], value: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard(&negated.to_ascii_lowercase(), value) {
                return false;
            }
        } else if wildcard(&pattern.to_ascii_lowercase(), value) {
            matched = true;
        }
    }
    matched
}

/// `*` matches any run of characters, `?` any one.
fn wildcard(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn show(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// Splits a line into whitespace-separated fields, keeping double-quoted
/// runs (option values) together.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn parse_line(line: &str) -> Result<Option<AllowedSigner>, String> {
    let fields = fields(line);
    let Some((principals, rest)) = fields.split_first() else {
        return Ok(None);
    };
    let principals: Vec<String> = principals
        .trim_matches('"')
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    // Options come before the key type; a key type starts with `ssh-`,
    // `ecdsa-` or `sk-`.
    let is_key_type =
        |f: &str| f.starts_with("ssh-") || f.starts_with("ecdsa-") || f.starts_with("sk-");
    let key_at = rest
        .iter()
        .position(|f| is_key_type(f))
        .ok_or("no key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, …) on the line")?;
    let mut signer = AllowedSigner {
        principals,
        namespaces: Vec::new(),
        valid_after: None,
        valid_before: None,
        key: PublicKey::from_openssh(&rest[key_at..].join(" "))
            .map_err(|e| format!("the key cannot be read ({e})"))?,
        span: 0..0,
    };
    for option in rest[..key_at].iter().flat_map(|o| split_options(o)) {
        let (name, value) = option
            .split_once('=')
            .map_or((option.as_str(), None), |(n, v)| {
                (n, Some(v.trim_matches('"')))
            });
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", _) => return Ok(None),
            ("namespaces", Some(v)) => {
                signer.namespaces = v.split(',').map(str::to_string).collect();
            }
            ("valid-after", Some(v)) => signer.valid_after = Some(parse_time(v)?),
            ("valid-before", Some(v)) => signer.valid_before = Some(parse_time(v)?),
            (other, _) => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(Some(signer))
}

/// Options are comma-separated, and values may be quoted (with commas in
/// them).
fn split_options(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in field.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `YYYYMMDD[HHMM[SS]][Z]` as seconds since the epoch, read as UTC.
fn parse_time(text: &str) -> Result<i64, String> {
    let digits = text.trim_end_matches(['Z', 'z']);
    let bad = || format!("`{text}` is not a time (YYYYMMDD[HHMM[SS]])");
    if !digits.chars().all(|c| c.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let number = |range: Range<usize>| -> Result<i16, String> {
        digits
            .get(range)
            .map_or(Ok(0), |s| s.parse().map_err(|_| bad()))
    };
    // Out-of-range fields (month 13, day 99) are refused, never a panic.
    let date = jiff::civil::Date::new(number(0..4)?, number(4..6)? as i8, number(6..8)? as i8)
        .map_err(|_| bad())?;
    let time = jiff::civil::Time::new(
        number(8..10)? as i8,
        number(10..12)? as i8,
        number(12..14)? as i8,
        0,
    )
    .map_err(|_| bad())?;
    let civil = jiff::civil::DateTime::from_parts(date, time);
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_negation() {
        let patterns = vec![vec![
            "*@example.com".to_string(),
            "!intern@example.com".to_string(),
        ]];
        assert!(principal_matches(&patterns, "Chair@example.com"));
        assert!(!principal_matches(&patterns, "intern@example.com"));
        assert!(!principal_matches(&patterns, "chair@example.org"));
        assert!(wildcard("a?c", "abc") && !wildcard("a?c", "ac"));
    }

    #[test]
    fn lines_with_options_and_comments() {
        let text = "# team keys\n\
            chair@example.com,vice@example.com namespaces=\"git,file\",valid-before=\"20270101\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOjmaA6h0S79Ah5Hmm4p+oHg52hvrzjYjNDQyh4bJrOq chair\n\
            ca@example.com cert-authority ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOjmaA6h0S79Ah5Hmm4p+oHg52hvrzjYjNDQyh4bJrOq\n\
            broken@example.com ssh-ed25519 !!!\n";
        let signers = AllowedSigners::parse(text);
        assert_eq!(signers.signers.len(), 1, "{signers:?}");
        let chair = &signers.signers[0];
        assert_eq!(chair.principals, ["chair@example.com", "vice@example.com"]);
        assert_eq!(chair.namespaces, ["git", "file"]);
        assert_eq!(chair.valid_before, Some(1_798_761_600));
        assert_eq!(signers.problems.len(), 1);
        assert_eq!(&text[chair.span.clone()][..17], "chair@example.com");
    }

    #[test]
    fn times_are_utc() {
        assert!(
            parse_time("20261399").is_err(),
            "month 13 is refused, not a panic"
        );
        assert!(parse_time("20260230").is_err());
        assert_eq!(parse_time("19700101"), Ok(0));
        assert_eq!(parse_time("197001010001"), Ok(60));
        assert_eq!(parse_time("19700101000001Z"), Ok(1));
        assert!(parse_time("1970-01-01").is_err());
    }
}
