//! `leakscan install-hook`: a git pre-commit hook that runs `leakscan staged`.

use crate::cli::InstallHookCmd;
use crate::source::{git, staged as staged_source};
use anyhow::{bail, Context, Result};

pub fn install_hook(cmd: InstallHookCmd) -> Result<u8> {
    let repo = git::open(cmd.repo.as_deref())?;
    if repo.is_bare() {
        bail!(
            "{} is a bare repository: it has no work tree, so no `git commit` runs there and a pre-commit hook would never run; install the hook in a clone with a work tree",
            repo.path().components().as_path().display()
        );
    }
    let dir = staged_source::hooks_dir(&repo)?;
    let hook = dir.join("pre-commit");
    if hook.exists() && !cmd.force {
        bail!(
            "{}: a pre-commit hook already exists; leakscan left it unchanged. Re-run with --force to replace it, or add `leakscan staged` to that hook",
            hook.display()
        );
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks directory {}", dir.display()))?;
    std::fs::write(&hook, staged_source::HOOK_SCRIPT)
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    eprintln!(
        "leakscan: wrote {}: each `git commit` now runs `leakscan staged` and stops if the commit adds a secret",
        hook.display()
    );
    Ok(0)
}
