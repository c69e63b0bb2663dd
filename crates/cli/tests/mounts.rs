//! The mount options of `trapline run`: `--root`, `--bind`, `--tmpfs`.

mod common;

use common::{run_native, run_trapline_with, Scratch};

/// A tiny root file system: a static busybox and the directories the
/// standard mounts sit on.
fn busybox_root(scratch: &Scratch) -> std::path::PathBuf {
    let root = scratch.path("root");
    for d in ["bin", "proc", "dev", "tmp", "etc"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    std::fs::write(root.join("etc/motd"), "tiny root\n").unwrap();
    root
}

#[test]
fn root_shows_another_tree_as_slash() {
    let scratch = Scratch::new("mount-root");
    let root = busybox_root(&scratch);
    let root_s = root.to_str().unwrap();
    // Applets by name: natively there is no /proc in the chroot for
    // busybox to find itself through.
    let script = "B=/bin/busybox; $B ls /; $B cat /etc/motd; echo changed > /etc/motd; \
                  $B cat /etc/motd; $B ls /bin";
    let ours = run_trapline_with(
        &["--root", root_s],
        "/bin/busybox",
        &["sh", "-c", script],
        b"",
    );
    // Natively: the same tree through chroot (the tests run as root).
    let native = run_native(
        "/usr/sbin/chroot",
        &[root_s, "/bin/busybox", "sh", "-c", script],
        b"",
    );
    assert_eq!(
        (ours.status, ours.stdout_str()),
        (native.status, native.stdout_str())
    );
    assert!(ours.stdout_str().contains("changed"));
    // Native changed the file; reset it and check Trapline did not.
    std::fs::write(root.join("etc/motd"), "tiny root\n").unwrap();
    let again = run_trapline_with(
        &["--root", root_s],
        "/bin/busybox",
        &["cat", "/etc/motd"],
        b"",
    );
    assert_eq!(again.stdout_str(), "tiny root\n");
}

#[test]
fn tmpfs_mounts_an_empty_private_file_system() {
    let ours = run_trapline_with(
        &["--tmpfs", "/mnt/scratch", "--tmpfs", "/var/cache"],
        "/bin/busybox",
        &[
            "sh",
            "-c",
            "ls -a /mnt/scratch /var/cache; touch /mnt/scratch/f; ls /mnt/scratch; stat -f -c %T /mnt/scratch /var/cache",
        ],
        b"",
    );
    assert_eq!(ours.status, 0, "{}", ours.stderr_str());
    assert_eq!(
        ours.stdout_str(),
        "/mnt/scratch:\n.\n..\n\n/var/cache:\n.\n..\nf\ntmpfs\ntmpfs\n"
    );
    assert!(!std::path::Path::new("/mnt/scratch").exists());
}

#[test]
fn read_only_bind_shows_host_files_and_refuses_writes() {
    let scratch = Scratch::new("mount-bind");
    let host = scratch.path("shared");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("data"), "from the host\n").unwrap();
    let spec = format!("{}:/mnt/shared:ro", host.display());
    let ours = run_trapline_with(
        &["--bind", &spec],
        "/bin/busybox",
        &[
            "sh",
            "-c",
            "cat /mnt/shared/data; echo x > /mnt/shared/data; touch /mnt/shared/new; echo $?",
        ],
        b"",
    );
    assert_eq!(ours.stdout_str(), "from the host\n1\n");
    let err = ours.stderr_str();
    assert!(err.contains("Read-only file system"), "{err}");
    assert_eq!(
        std::fs::read_to_string(host.join("data")).unwrap(),
        "from the host\n"
    );
    assert!(!host.join("new").exists());
}

#[test]
fn bad_mount_options_say_what_to_do() {
    for (opts, hint) in [
        (vec!["--root", "/nonexistent-trapline-root"], "--root"),
        (vec!["--bind", "/usr"], "HOST:GUEST"),
        (
            vec!["--bind", "/nonexistent-trapline:/x:ro"],
            "no such host",
        ),
        (vec!["--tmpfs", "relative/path"], "absolute"),
    ] {
        let out = run_trapline_with(&opts, "/bin/true", &[], b"");
        assert_eq!(out.status, 2, "{opts:?}");
        let err = out.stderr_str();
        assert!(err.contains(hint), "{opts:?}: {err}");
        assert!(err.trim_end().lines().count() <= 3, "{opts:?}: {err}");
    }
}
