//! C programs compiled at test time, each run natively and under Trapline
//! (dynamic, static and static-pie), with the same stdout, stderr and exit
//! status required.

mod common;

use common::{diff_c, Link};

macro_rules! differential {
    ($name:ident $(, $arg:expr)*) => {
        mod $name {
            use super::*;
            #[test]
            fn dynamic() {
                diff_c(stringify!($name), Link::Dynamic, &[$($arg),*]);
            }
            #[test]
            fn static_() {
                diff_c(stringify!($name), Link::Static, &[$($arg),*]);
            }
            #[test]
            fn static_pie() {
                diff_c(stringify!($name), Link::StaticPie, &[$($arg),*]);
            }
            #[test]
            fn musl() {
                diff_c(stringify!($name), Link::Musl, &[$($arg),*]);
            }
            #[test]
            fn musl_static() {
                diff_c(stringify!($name), Link::MuslStatic, &[$($arg),*]);
            }
        }
    };
}

differential!(hello);
differential!(fileio);
differential!(errors);
differential!(memory);
differential!(system);
differential!(dirs);

#[test]
fn hello_with_arguments_exits_42() {
    let out = diff_c("hello", Link::Static, &["one", "two words"]);
    assert_eq!(out.status, 42);
    assert!(out.stdout_str().contains("arg 2: two words"));
}

/// tmpfiles writes in /tmp: natively that is the host's /tmp, under
/// Trapline its own in-memory /tmp. Both must behave alike.
#[test]
fn tmpfiles_dynamic() {
    let tag = format!("dyn{}", std::process::id());
    diff_c("tmpfiles", Link::Dynamic, &[&tag]);
}

#[test]
fn tmpfiles_static() {
    let tag = format!("st{}", std::process::id());
    diff_c("tmpfiles", Link::Static, &[&tag]);
}
differential!(attrs);
differential!(openat2);
differential!(chroot);
differential!(mknod);
differential!(syncs);
differential!(inotify);
differential!(notsock);
differential!(capget);
differential!(chld_order);

/// execve from the guest: errors, then a real exec with argv, envp and fds.
#[test]
fn exec_from_the_guest() {
    for link in [Link::Dynamic, Link::Static, Link::StaticPie, Link::Musl] {
        let scratch = common::Scratch::new(&format!("exec-{link:?}"));
        let junk = scratch.path("junk");
        std::fs::write(&junk, "not a program\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o755)).unwrap();
        let exe = common::compile(&scratch.0, "exec", link);
        let out = common::assert_same(exe.to_str().unwrap(), &[scratch.0.to_str().unwrap()], b"");
        assert_eq!(out.status, 9);
        assert!(
            out.stdout_str().contains("env=carried"),
            "{}",
            out.stdout_str()
        );
    }
}

differential!(fork);
differential!(pgrp);
differential!(pidfd);
differential!(clone_parent);
differential!(execveat);
differential!(wait_stop);
differential!(pdeathsig);
differential!(orphan_pgrp);
differential!(cputimers);
differential!(spawn);
differential!(pipes);
differential!(sigpipe);

/// A write to a pipe with no reader kills the writer with SIGPIPE when it
/// does not ignore it: status 141, natively and under Trapline.
#[test]
fn sigpipe_kills_with_status_141() {
    let out = diff_c("sigpipe", Link::Static, &[]);
    assert_eq!(out.status, 128 + libc::SIGPIPE);
    assert!(
        out.stdout_str().ends_with("writing for real\n"),
        "{}",
        out.stdout_str()
    );
}
differential!(pipe_fork);
differential!(creds);
differential!(sched);
// Signals: delivery to handlers, frames, masks, restarts, children.
differential!(sig_info);
differential!(sig_altstack);
differential!(sig_nested);
differential!(sig_mask);
differential!(sig_fpu);
differential!(sig_segv);
differential!(sig_restart);
differential!(sig_pgrp);
differential!(sig_suspend);
differential!(sig_timedwait);
differential!(sig_child);
differential!(sig_sleep);
differential!(sig_threads);
differential!(poll);

// Threads and futexes.
differential!(threads_mutex);
differential!(threads_join);
differential!(threads_main_exit);
differential!(threads_exec);
differential!(threads_exit_group);
differential!(futex);
differential!(futex_shared);
differential!(sig_timer);

/// File changes in a host directory: under Trapline first, which must
/// leave the host tree as it was, then natively; both print the same.
#[test]
fn overlay_changes_look_native() {
    for link in [Link::Dynamic, Link::Static, Link::Musl] {
        let scratch = common::Scratch::new(&format!("overlay-{link:?}"));
        let exe = common::compile(&scratch.0, "overlay", link);
        let tree = scratch.path("tree");
        let make_tree = || {
            let _ = std::fs::remove_dir_all(&tree);
            std::fs::create_dir_all(tree.join("d/sub")).unwrap();
            std::fs::create_dir_all(tree.join("e")).unwrap();
            for (p, data) in [
                ("f1", "one"),
                ("f2", "two"),
                ("d/g", "gee"),
                ("d/sub/h", "aitch"),
                ("ro", "r"),
            ] {
                std::fs::write(tree.join(p), data).unwrap();
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tree.join("ro"), std::fs::Permissions::from_mode(0o444))
                .unwrap();
        };
        make_tree();
        let before = common::tree_snapshot(&tree);
        let args = [tree.to_str().unwrap()];
        let ours = common::run_trapline(exe.to_str().unwrap(), &args, b"");
        assert_eq!(
            common::tree_snapshot(&tree),
            before,
            "the host tree changed"
        );
        let native = common::run_native(exe.to_str().unwrap(), &args, b"");
        assert_eq!(native.status, 0, "{}", native.stdout_str());
        assert_eq!(
            (ours.status, ours.stdout_str()),
            (native.status, native.stdout_str()),
            "{link:?}"
        );
    }
}

// File syscalls: memfds and seals, locks.
differential!(memfd);
differential!(flock);
differential!(fcntl_lock);
differential!(sendfile);
differential!(splice);
differential!(tmpfile);
differential!(rename2);
differential!(xattrs);

/// fallocate and SEEK_DATA/SEEK_HOLE on tmpfs, and SEEK_DATA/SEEK_HOLE
/// on a sparse host file made here (data, a hole, data, a hole, a byte).
#[test]
fn fallocate_and_sparse_files() {
    use std::io::{Seek, SeekFrom, Write};
    for link in [
        Link::Dynamic,
        Link::Static,
        Link::StaticPie,
        Link::Musl,
        Link::MuslStatic,
    ] {
        let scratch = common::Scratch::new(&format!("sparse-{link:?}"));
        let path = scratch.path("sparse.bin");
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&[b'x'; 5000]).unwrap();
        f.seek(SeekFrom::Start(1 << 20)).unwrap();
        f.write_all(&[b'y'; 10]).unwrap();
        f.seek(SeekFrom::Start(3 << 20)).unwrap();
        f.write_all(b"z").unwrap();
        drop(f);
        diff_c("fallocate", link, &[path.to_str().unwrap()]);
    }
}

/// CLONE_PARENT from pid 1, the init of Trapline's pid namespace, is
/// EINVAL as for any namespace's init (natively the test is no init).
#[test]
fn clone_parent_from_init_is_einval() {
    let scratch = common::Scratch::new("clone-parent-init");
    let exe = common::compile(&scratch.0, "clone_parent", Link::Static);
    let out = common::run_trapline(exe.to_str().unwrap(), &["as-init"], b"");
    assert_eq!(out.status, 0);
    assert!(
        out.stdout_str().contains("= -1 EINVAL"),
        "{}",
        out.stdout_str()
    );
}
// /proc as a process sees itself and its threads.
differential!(proc_pid);
differential!(proc_system);
differential!(sys_cpu);
differential!(dev_files);
