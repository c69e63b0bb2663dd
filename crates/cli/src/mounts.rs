//! Parsing the mount options of `trapline run`.

use std::path::{Path, PathBuf};

use trapline_vfs::UserMount;

/// `--bind HOST:GUEST[:ro|:rw]`. A relative HOST is taken from the current
/// directory; GUEST must be absolute.
pub fn parse_bind(arg: &str) -> Result<UserMount, String> {
    let usage = || format!("'{arg}' is not HOST:GUEST or HOST:GUEST:ro");
    let mut parts = arg.split(':');
    let (Some(host), Some(guest)) = (parts.next(), parts.next()) else {
        return Err(usage());
    };
    let read_only = match parts.next() {
        None | Some("rw") => false,
        Some("ro") => true,
        Some(_) => return Err(usage()),
    };
    if parts.next().is_some() || host.is_empty() {
        return Err(usage());
    }
    let host = absolute(Path::new(host))?;
    if !host.exists() {
        return Err(format!(
            "{}: no such host file or directory",
            host.display()
        ));
    }
    Ok(UserMount::Bind {
        host,
        guest: guest_path(guest)?,
        read_only,
    })
}

/// `--tmpfs GUEST`.
pub fn parse_tmpfs(arg: &str) -> Result<UserMount, String> {
    Ok(UserMount::Tmpfs {
        guest: guest_path(arg)?,
    })
}

/// `--root DIR`: an existing host directory, made absolute.
pub fn absolute_dir(dir: PathBuf) -> Result<PathBuf, String> {
    let abs = absolute(&dir)?;
    if !abs.is_dir() {
        return Err(format!(
            "--root {}: not a directory; give the host directory to show as /",
            dir.display()
        ));
    }
    Ok(abs)
}

fn guest_path(p: &str) -> Result<PathBuf, String> {
    if !p.starts_with('/') {
        return Err(format!("'{p}': the guest path must be absolute"));
    }
    Ok(PathBuf::from(p))
}

fn absolute(p: &Path) -> Result<PathBuf, String> {
    std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_forms() {
        assert_eq!(
            parse_bind("/usr:/mnt/usr:ro"),
            Ok(UserMount::Bind {
                host: "/usr".into(),
                guest: "/mnt/usr".into(),
                read_only: true
            })
        );
        assert!(matches!(
            parse_bind("/usr:/u"),
            Ok(UserMount::Bind {
                read_only: false,
                ..
            })
        ));
        for bad in ["/usr", "/usr:rel", "/usr:/u:rx", ":/u", "/usr:/u:ro:x"] {
            assert!(parse_bind(bad).is_err(), "{bad}");
        }
        assert!(parse_bind("/nonexistent-trapline:/x").is_err());
        assert!(parse_tmpfs("relative").is_err());
    }
}
