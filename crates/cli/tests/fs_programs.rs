//! Real programs doing file-system work in a host directory: under
//! Trapline first (the overlay root must leave the host directory as it
//! was), then natively; same output and status.

mod common;

use common::{run_native, run_trapline, tree_snapshot, Scratch, EXPECTED_UNIMPLEMENTED};

/// Runs `script` with bash in a fresh scratch directory both ways.
fn same_in_scratch(name: &str, script: &str) -> String {
    let scratch = Scratch::new(name);
    let dir = scratch.0.to_str().unwrap().to_string();
    let full = format!("set -e\ncd '{dir}'\nexport HOME='{dir}' GIT_CONFIG_NOSYSTEM=1\n{script}");
    let before = tree_snapshot(&scratch.0);
    let ours = run_trapline("/bin/bash", &["-c", &full], b"");
    assert_eq!(
        tree_snapshot(&scratch.0),
        before,
        "{name}: the host directory changed"
    );
    let unexpected: Vec<&String> = ours
        .notes
        .iter()
        .filter(|n| !EXPECTED_UNIMPLEMENTED.contains(&n.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name}: unimplemented {unexpected:?}"
    );
    let native = run_native("/bin/bash", &["-c", &full], b"");
    assert_eq!(native.status, 0, "{name} natively: {}", native.stderr_str());
    assert_eq!(
        (ours.status, ours.stdout_str(), ours.stderr_str()),
        (native.status, native.stdout_str(), native.stderr_str()),
        "{name}"
    );
    ours.stdout_str()
}

const TREE: &str = "mkdir -p tree/a/b && echo hello > tree/a/f && echo x > tree/a/b/g \
                    && ln -s f tree/a/l && chmod 640 tree/a/f && touch -d 2020-01-02 tree/a/f";

#[test]
fn tar_creates_and_extracts_a_tree() {
    let out = same_in_scratch(
        "fs-tar",
        &format!(
            "{TREE}\ntar cf t.tar tree\nmkdir out\ntar xf t.tar -C out\ndiff -r tree out/tree\n\
             tar tvf t.tar | awk '{{print $1, $3, $6}}' | sort\nstat -c '%a %Y' out/tree/a/f"
        ),
    );
    assert!(out.contains("lrwxrwxrwx 0 tree/a/l"), "{out}");
}

#[test]
fn cp_a_keeps_modes_times_and_links() {
    same_in_scratch(
        "fs-cp",
        &format!(
            "{TREE}\ncp -a tree copy\ndiff -r tree copy\n\
             stat -c '%n %a %s %Y %F' copy/a/f\nstat -c '%n %a %s %F' copy/a/b/g\nstat -c '%n %a %F' copy/a/b\n\
             readlink copy/a/l"
        ),
    );
}

#[test]
fn git_init_add_commit() {
    let out = same_in_scratch(
        "fs-git",
        "git init -q repo\ncd repo\ngit config user.email t@example.com\n\
         git config user.name T\necho a > a\nmkdir d && echo b > d/b\ngit add a d\n\
         git commit -q -m first\ngit log --format=%s\ngit ls-files\ngit status --short\n\
         git cat-file -p 'HEAD^{tree}'\necho more >> a\ngit status --short\ngit diff --stat",
    );
    assert!(out.contains("first"), "{out}");
}

#[test]
fn sqlite3_with_a_wal_database() {
    let out = same_in_scratch(
        "fs-sqlite",
        "sqlite3 db 'pragma journal_mode=wal; create table t(x); \
         insert into t values(1),(2),(3); select sum(x) from t;'\n\
         sqlite3 db 'insert into t values(4); pragma wal_checkpoint; select count(*), sum(x) from t;'",
    );
    assert!(out.starts_with("wal\n6\n"), "{out}");
}

#[test]
fn python3_compileall_a_tree() {
    same_in_scratch(
        "fs-compileall",
        "mkdir -p py/pkg && echo 'x = 1' > py/pkg/m.py && echo 'import pkg.m' > py/main.py\n\
         python3 -m compileall -q py\n\
         find py -name '*.pyc' | sed 's/cpython-[0-9]*/cpython-N/' | sort",
    );
}

#[test]
fn find_xdev_counts_the_same_files() {
    // The directories other tests and builds change while this runs are
    // left out; /tmp is the guest's own.
    let out = same_in_scratch(
        "fs-find",
        "find / -xdev \\( -path /tmp -o -path /var/tmp -o -path /work -o -path /root \
         -o -path /proc \\) -prune -o -name '*.conf' -print | wc -l",
    );
    assert!(out.trim().parse::<u32>().unwrap_or(0) > 10, "{out}");
}

#[test]
fn proc_self_exe_sys_cpus_and_localtime() {
    same_in_scratch(
        "fs-misc",
        "readlink /proc/self/exe\ncat /sys/devices/system/cpu/online\nnproc\n\
         stat -c '%n %F %s %i %d %a' /etc/localtime\n\
         stat -L -c '%F %s %i' /etc/localtime\nstat -c '%n %F %i %d' / /usr /etc/hostname",
    );
}
