//! Writable binds (`--bind HOST:GUEST`): the guest's changes are made in
//! the host directory, the same as natively, and nothing outside it is
//! ever changed, whatever symlinks and renames the guest makes.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::{compile, run_native, run_trapline_with, Link, Scratch};

/// Every path under `dir` (relative) with its mode, owner and contents
/// (symlinks: target) and extended attributes' names.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u32, u32, u32, Vec<u8>)> {
    common::tree_snapshot(dir)
        .into_iter()
        .map(|(p, mode, data)| {
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            (rel, mode, meta.uid(), meta.gid(), data)
        })
        .collect()
}

/// Runs the C program `name` natively on one copy of a tree and under
/// Trapline with the other copy bound read-write at its own path: the
/// output and the trees left behind must be the same.
fn same_changes_as_native(name: &str, make_tree: fn(&Path)) {
    for link in [Link::Dynamic, Link::Static, Link::Musl] {
        let scratch = Scratch::new(&format!("bind-rw-{name}-{link:?}"));
        let exe = compile(&scratch.0, name, link);
        let exe = exe.to_str().unwrap();
        // The same last name, which the programs print.
        let native_tree = scratch.path("native/tree");
        let guest_tree = scratch.path("guest/tree");
        make_tree(&native_tree);
        make_tree(&guest_tree);
        let native = run_native(exe, &[native_tree.to_str().unwrap()], b"");
        let g = guest_tree.to_str().unwrap();
        let spec = format!("{g}:{g}");
        let ours = run_trapline_with(&["--bind", &spec], exe, &[g], b"");
        assert_eq!(native.status, 0, "{}", native.stdout_str());
        assert_eq!(
            (ours.status, ours.stdout_str()),
            (native.status, native.stdout_str()),
            "{name} {link:?}: {}",
            ours.stderr_str()
        );
        assert_eq!(
            snapshot(&guest_tree),
            snapshot(&native_tree),
            "{name} {link:?}: the trees differ"
        );
    }
}

fn write(path: &Path, data: &str, mode: u32) {
    std::fs::write(path, data).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The tree `overlay.c` expects.
fn overlay_tree(tree: &Path) {
    std::fs::create_dir_all(tree.join("d/sub")).unwrap();
    std::fs::create_dir_all(tree.join("e")).unwrap();
    for (p, data) in [
        ("f1", "one"),
        ("f2", "two"),
        ("d/g", "gee"),
        ("d/sub/h", "aitch"),
    ] {
        write(&tree.join(p), data, 0o644);
    }
    write(&tree.join("ro"), "r", 0o444);
}

/// The tree `hostrw.c` expects.
fn hostrw_tree(tree: &Path) {
    std::fs::create_dir_all(tree.join("d")).unwrap();
    std::fs::create_dir_all(tree.join("e")).unwrap();
    write(&tree.join("f"), "file", 0o644);
    write(&tree.join("d/x"), "ex", 0o644);
    write(&tree.join("ro"), "r", 0o444);
}

#[test]
fn overlay_program_writes_through_a_writable_bind() {
    same_changes_as_native("overlay", overlay_tree);
}

#[test]
fn names_attributes_and_owners_change_on_the_host() {
    same_changes_as_native("hostrw", hostrw_tree);
}

/// A bind, a sentinel file next to it and a directory outside it, with
/// files a naive resolution would change.
struct Escape {
    scratch: Scratch,
    bind: PathBuf,
    outside: PathBuf,
}

impl Escape {
    fn new(name: &str) -> Escape {
        let scratch = Scratch::new(name);
        let bind = scratch.path("bind");
        let outside = scratch.path("outside");
        std::fs::create_dir_all(&bind).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        write(&scratch.path("sentinel"), "sentinel", 0o644);
        std::fs::create_dir_all(outside.join("b")).unwrap();
        for f in [
            "file",
            "moved",
            "sentinel",
            "b/file",
            "b/moved",
            "b/sentinel",
        ] {
            write(&outside.join(f), "outside", 0o644);
        }
        Escape {
            scratch,
            bind,
            outside,
        }
    }

    /// The host tree but for the bind (and the test's program).
    fn outside_the_bind(&self) -> Vec<(PathBuf, u32, u32, u32, String)> {
        snapshot(&self.scratch.0)
            .into_iter()
            .filter(|(p, ..)| !p.starts_with("bind") && !p.starts_with("bin"))
            .map(|(p, mode, uid, gid, data)| {
                (p, mode, uid, gid, String::from_utf8_lossy(&data).into())
            })
            .collect()
    }
}

#[test]
fn symlinks_and_dotdot_in_a_bind_stay_in_the_guests_tree() {
    let esc = Escape::new("bind-rw-escape");
    let before = esc.outside_the_bind();
    let top = esc.scratch.0.to_str().unwrap();
    let spec = format!("{}:/mnt", esc.bind.display());
    // Absolute symlinks resolve against the guest's root and `..` leaves
    // the bind for the guest's /: every change lands in the overlay.
    let script = format!(
        "cd /mnt; ln -s / root; ln -s /etc etc; ln -s {top} top; ln -s .. up; \
         echo guest > root{top}/sentinel; cat {top}/sentinel; \
         echo guest > top/outside/file; rm top/outside/moved; \
         mv top/outside/sentinel top/outside/renamed; chmod 600 up{top}/sentinel; \
         echo x > ../mnt-sibling; touch etc/made-by-guest; \
         ls /etc/made-by-guest; ls {top}/outside; cat ../mnt-sibling; \
         ln -s ../../.. deep; echo y > deep{top}/outside/deep; ls {top}/outside; \
         mkdir real; echo z > real/f; cat /mnt/real/f"
    );
    let out = run_trapline_with(
        &["--bind", &spec],
        "/bin/busybox",
        &["sh", "-c", &script],
        b"",
    );
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    assert_eq!(
        out.stdout_str(),
        "guest\n/etc/made-by-guest\nb\nfile\nrenamed\nx\nb\ndeep\nfile\nrenamed\nz\n"
    );
    assert_eq!(
        esc.outside_the_bind(),
        before,
        "the host changed outside the bind"
    );
    // Inside the bind, the guest's changes are on the host.
    assert_eq!(std::fs::read(esc.bind.join("real/f")).unwrap(), b"z\n");
    assert_eq!(
        std::fs::read_link(esc.bind.join("top")).unwrap(),
        esc.scratch.0
    );
}

#[test]
fn swapping_a_directory_for_a_symlink_never_leads_outside() {
    let esc = Escape::new("bind-rw-race");
    let bin = esc.scratch.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = compile(&bin, "bind_escape", Link::Dynamic);
    let before = esc.outside_the_bind();
    let bind = esc.bind.to_str().unwrap();
    let spec = format!("{bind}:{bind}");
    let out = run_trapline_with(
        &["--bind", &spec],
        exe.to_str().unwrap(),
        &[bind, "../outside", esc.outside.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    let shown = out.stdout_str();
    assert!(shown.ends_with("changes made: some\n"), "{shown}");
    assert_eq!(
        esc.outside_the_bind(),
        before,
        "the host changed outside the bind"
    );
}

#[test]
fn the_same_directory_bound_read_only_and_writable() {
    let scratch = Scratch::new("bind-ro-rw");
    let dir = scratch.path("d");
    std::fs::create_dir_all(&dir).unwrap();
    let ro = format!("{}:/mnt/ro:ro", dir.display());
    let rw = format!("{}:/mnt/rw:rw", dir.display());
    let out = run_trapline_with(
        &["--bind", &ro, "--bind", &rw],
        "/bin/busybox",
        &["sh", "-c", "touch /mnt/ro/x; touch /mnt/rw/y; ls /mnt/ro"],
        b"",
    );
    assert_eq!(out.stdout_str(), "y\n");
    assert!(out.stderr_str().contains("Read-only file system"));
    assert!(dir.join("y").exists() && !dir.join("x").exists());
}

#[test]
fn a_bound_file_and_a_bound_directory_change_in_place() {
    let scratch = Scratch::new("bind-rw-file");
    let file = scratch.path("f");
    let dir = scratch.path("d");
    write(&file, "before\n", 0o644);
    std::fs::create_dir_all(&dir).unwrap();
    let f = format!("{}:/mnt/f", file.display());
    let d = format!("{}:/mnt/d", dir.display());
    let out = run_trapline_with(
        &["--bind", &f, "--bind", &d],
        "/bin/busybox",
        &[
            "sh",
            "-c",
            "chmod 600 /mnt/f; echo after > /mnt/f; stat -c '%a %s' /mnt/f; \
             rm /mnt/f; mv /mnt/f /mnt/g; chmod 700 /mnt/d; stat -c %a /mnt/d; \
             rmdir /mnt/d; true",
        ],
        b"",
    );
    assert_eq!(out.stdout_str(), "600 6\n700\n");
    let err = out.stderr_str();
    assert_eq!(err.matches("Device or resource busy").count(), 3, "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"after\n");
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

/// tar, cp -a, git and python's compileall working in a writable bind
/// leave the same tree as natively (but for git's objects and the
/// compiled python, which hold times).
#[test]
fn real_programs_in_a_writable_bind() {
    let script = "cd \"$1\"; mkdir src; echo a > src/a; ln -s a src/l; mkdir src/d; \
                  chmod 750 src/d; tar --mtime=@0 -cf t.tar src; mkdir x; cd x; tar xf ../t.tar; cd ..; \
                  cp -a src copy; git init -q repo; cd repo; echo hi > f; git add f; \
                  git -c user.name=t -c user.email=t@t commit -qm msg; git log --format=%s; \
                  git status --short; echo 'x = 1' > m.py; \
                  python3 -c 'import compileall; compileall.compile_dir(\".\", quiet=1)'; \
                  ls __pycache__";
    let scratch = Scratch::new("bind-rw-programs");
    let (native, guest) = (scratch.path("native/w"), scratch.path("guest/w"));
    std::fs::create_dir_all(&native).unwrap();
    std::fs::create_dir_all(&guest).unwrap();
    let n = run_native(
        "/bin/sh",
        &["-c", script, "sh", native.to_str().unwrap()],
        b"",
    );
    let g = guest.to_str().unwrap();
    let spec = format!("{g}:{g}");
    let ours = run_trapline_with(&["--bind", &spec], "/bin/sh", &["-c", script, "sh", g], b"");
    assert_eq!(n.status, 0, "{}", n.stderr_str());
    assert_eq!(
        (ours.status, ours.stdout_str()),
        (n.status, n.stdout_str()),
        "{}",
        ours.stderr_str()
    );
    let tree = |d: &Path| -> Vec<(PathBuf, u32, u32, u32, Vec<u8>)> {
        snapshot(d)
            .into_iter()
            .filter(|(p, ..)| !p.starts_with("repo/.git") && !p.starts_with("repo/__pycache__"))
            .collect()
    };
    assert_eq!(tree(&guest), tree(&native));
}

/// mknod and FIFOs on the host through a writable bind over /tmp: the
/// mknod program (which works in a directory it makes in /tmp) prints the
/// same as natively, but for what a bind does differently on purpose:
/// device nodes it makes cannot be opened (`nodev`: `EACCES`, so a guest
/// never reaches a host device), and a FIFO opens without waiting for
/// its other end.
#[test]
fn mknod_and_fifos_in_a_writable_bind() {
    let scratch = Scratch::new("bind-rw-mknod");
    let exe = compile(&scratch.0, "mknod", Link::Static);
    let exe = exe.to_str().unwrap();
    let tmp = scratch.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let spec = format!("{}:/tmp", tmp.display());
    let ours = run_trapline_with(&["--bind", &spec], exe, &[], b"");
    let native = run_native(exe, &[], b"");
    let differs_on_purpose = [
        "rendezvous",
        "write(fd, \"gone\"",
        "read(fd, buf",
        "open(at(\"odd\")",
    ];
    let keep = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| !differs_on_purpose.iter().any(|d| l.starts_with(d)))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(ours.status, native.status, "{}", ours.stderr_str());
    assert_eq!(keep(&ours.stdout_str()), keep(&native.stdout_str()));
    let nodev = ours
        .stdout_str()
        .lines()
        .find(|l| l.starts_with("open(at(\"odd\")"))
        .map(|l| l.ends_with("EACCES"));
    assert_eq!(nodev, Some(true), "{}", ours.stdout_str());
    // The program removed its directory from the bind again.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}
