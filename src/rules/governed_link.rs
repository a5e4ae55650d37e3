declare_check! {
    /// ## What it checks
    /// A symbolic link or a submodule sits at or under a governed path: the directories of feature manifests, sign-offs, waivers, policies and playbooks, `policy.toml`, the allowed-signers file. It is reported in every mode and never followed, wherever it points.
    ///
    /// ## Why it matters
    /// A change is judged by the files it touches. A manifest that is a link lets a later change edit the target, outside the feature's directory, and launch the feature without touching it; a linked directory or a submodule hides whole features from the walk.
    ///
    /// ## Example
    /// ```text
    /// features/upload/feature.toml -> ../_shared/upload.toml
    /// ```
    ///
    /// ## Fix
    /// Replace the link with the file itself (`cp --remove-destination "$(readlink f)" f`), or move the submodule's content into the repository.
    GOVERNED_LINK, GOVERNED_LINK_CHECK = ("PL031", "governed-link", Error);
}
