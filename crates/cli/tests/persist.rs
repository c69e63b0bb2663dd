//! `--persist DIR`: the guest's changes to its root are kept across runs,
//! as they would be on a real disk, and the host's tree stays untouched.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{run_native, run_trapline_with, Outcome, Scratch};

/// A tiny root file system: a static busybox, the directories the standard
/// mounts sit on, and files and directories for the guest to change.
fn make_root(root: &Path) {
    for d in ["bin", "proc", "dev", "tmp", "etc", "olddir/inner", "redo"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    for (f, data) in [
        ("etc/motd", "lower motd\n"),
        ("etc/gone", "to delete\n"),
        ("olddir/inner/x", "x\n"),
        ("redo/old", "old\n"),
    ] {
        std::fs::write(root.join(f), data).unwrap();
    }
}

/// Runs one after the other, each seeing what the ones before left. (A
/// directory's size is not shown: a tmpfs's differs from a disk's.)
const RUNS: [&str; 3] = [
    "B=/bin/busybox; echo changed > /etc/motd; echo new > /etc/new; \
     $B mkdir -p /data/sub; echo deep > /data/sub/f; $B ln -s /etc/new /data/link; \
     $B ln /etc/new /etc/new-hard; $B rm /etc/gone; $B rm -r /olddir; \
     $B rm -r /redo; $B mkdir /redo; echo y > /redo/y; $B chmod 700 /data; \
     $B touch -d @1000000000 /data/sub/f; $B truncate -s 1000000 /data/sparse; \
     echo run 1 done",
    "B=/bin/busybox; $B cat /etc/motd /etc/new /data/sub/f; $B ls -a /etc /redo /data; \
     $B readlink /data/link; $B stat -c '%n %A %h' /data /data/sub; \
     $B stat -c '%n %A %h %s' /etc/new /etc/new-hard /data/sparse /etc/motd; \
     $B stat -c '%n %Y' /data/sub/f; \
     [ -e /etc/gone ] || echo gone is gone; [ -e /olddir ] || echo olddir is gone; \
     echo two >> /etc/new; $B rm /data/link; $B mv /data/sub /data/moved",
    "B=/bin/busybox; $B cat /etc/new-hard; $B ls /data /data/moved; $B ls -a /",
];

fn run_ours(root: &Path, persist: &Path, script: &str) -> Outcome {
    let (root, persist) = (root.to_str().unwrap(), persist.to_str().unwrap());
    run_trapline_with(
        &["--root", root, "--persist", persist],
        "/bin/busybox",
        &["sh", "-c", script],
        b"",
    )
}

#[test]
fn changes_survive_the_run_as_on_a_disk() {
    let scratch = Scratch::new("persist-runs");
    let (native_root, our_root) = (scratch.path("native"), scratch.path("ours"));
    make_root(&native_root);
    make_root(&our_root);
    let persist = scratch.path("layer");
    let before = common::tree_snapshot(&our_root);
    for (k, script) in RUNS.iter().enumerate() {
        // Natively: the same tree through chroot, changed for real.
        let native = run_native(
            "/usr/sbin/chroot",
            &[
                native_root.to_str().unwrap(),
                "/bin/busybox",
                "sh",
                "-c",
                script,
            ],
            b"",
        );
        let ours = run_ours(&our_root, &persist, script);
        assert_eq!(native.status, 0, "run {k}: {}", native.stderr_str());
        assert_eq!(
            (ours.status, ours.stdout_str()),
            (native.status, native.stdout_str()),
            "run {k}: {}",
            ours.stderr_str()
        );
    }
    assert_eq!(
        common::tree_snapshot(&our_root),
        before,
        "the host root changed"
    );
    // A run without --persist starts from the host's tree again.
    let fresh = run_trapline_with(
        &["--root", our_root.to_str().unwrap()],
        "/bin/busybox",
        &["cat", "/etc/motd"],
        b"",
    );
    assert_eq!(fresh.stdout_str(), "lower motd\n");
}

#[test]
fn a_killed_run_loses_its_changes_and_nothing_else() {
    let scratch = Scratch::new("persist-killed");
    let root = scratch.path("root");
    make_root(&root);
    let persist = scratch.path("layer");
    let first = run_ours(&root, &persist, "echo kept > /etc/kept");
    assert_eq!(first.status, 0, "{}", first.stderr_str());
    // A run that changes things, then is killed while it waits.
    let mut child = Command::new(common::trapline_bin())
        .args(["run", "--root", root.to_str().unwrap()])
        .args(["--persist", persist.to_str().unwrap(), "--"])
        .args(["/bin/busybox", "sh", "-c"])
        .arg("echo lost > /etc/kept; echo lost > /etc/lost; echo ready; /bin/busybox cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut ready = [0u8; 6];
    std::io::Read::read_exact(&mut out, &mut ready).unwrap();
    assert_eq!(&ready, b"ready\n");
    // The layer is taken while a run holds it.
    let busy = run_ours(&root, &persist, "true");
    assert_eq!(busy.status, 2);
    assert!(
        busy.stderr_str().contains("another run"),
        "{}",
        busy.stderr_str()
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let after = run_ours(&root, &persist, "cat /etc/kept; ls /etc/lost 2>&1");
    assert_eq!(
        after.stdout_str(),
        "kept\nls: /etc/lost: No such file or directory\n"
    );
}

#[test]
fn a_layer_belongs_to_its_root_and_must_be_whole() {
    let scratch = Scratch::new("persist-checks");
    let (root, other) = (scratch.path("root"), scratch.path("other"));
    make_root(&root);
    make_root(&other);
    let persist = scratch.path("layer");
    assert_eq!(run_ours(&root, &persist, "touch /x").status, 0);
    let wrong = run_ours(&other, &persist, "true");
    assert_eq!(wrong.status, 2);
    assert!(
        wrong.stderr_str().contains("another root"),
        "{}",
        wrong.stderr_str()
    );
    let manifest: PathBuf = persist.join("upper/manifest");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("node 99 12345 zz file\n");
    std::fs::File::create(&manifest)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let damaged = run_ours(&root, &persist, "true");
    assert_eq!(damaged.status, 2);
    assert!(
        damaged.stderr_str().contains("damaged"),
        "{}",
        damaged.stderr_str()
    );
}
