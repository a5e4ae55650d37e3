declare_check! {
    /// ## What it checks
    /// With `[signoff] require_signed = true`, every commit that wrote a sign-off or waiver must carry an SSH signature (git's `gpg.format = ssh`) that verifies, in namespace `git`, against a key listed in the allowed-signers file of the trusted revision (the merge-base in range mode, HEAD otherwise) for a member of the file's role, valid at the time of the commit. Unsigned commits, GPG or X.509 signatures, unlisted or expired keys, other namespaces, signatures that do not verify, and valid signatures by non-members each get their own message. In staged mode the commit does not exist yet: the check says so and runs in CI.
    ///
    /// ## Why it matters
    /// A commit's author email is a claim anyone can set (`GIT_AUTHOR_EMAIL=chair@…`). A signature by a key the trusted revision lists for a member is evidence that the member made the commit; the change itself cannot add a key.
    ///
    /// ## Example
    /// ```text
    /// features/x/signoffs/srb.toml written by commit 1a2b3c4d5e, which is not signed
    /// ```
    ///
    /// ## Fix
    /// The member signs their commits (`git config gpg.format ssh`, `git config user.signingkey ~/.ssh/id_ed25519.pub`, `git commit -S`), and their public key is listed in `.policy/allowed_signers` on the target branch (`chair@example.com ssh-ed25519 AAAA…`).
    SIGNATURE_NOT_VERIFIED, SIGNATURE_NOT_VERIFIED_CHECK = ("PL033", "signature-not-verified", Error);
}
