//! Records the git commit the binary is built from (for `manifest.json`).
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=GRASSROOTS_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves. In a worktree `.git` is a file: ask git where
    // HEAD (per worktree) and the refs (shared) live.
    let git_dir = git(&["rev-parse", "--git-dir"]);
    let common = git(&["rev-parse", "--git-common-dir"]);
    let mut watched = Vec::new();
    if let Some(d) = &git_dir {
        watched.push(format!("{d}/HEAD"));
    }
    if let Some(c) = common.as_ref().or(git_dir.as_ref()) {
        watched.push(format!("{c}/refs/heads"));
        watched.push(format!("{c}/packed-refs"));
    }
    for path in watched {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
