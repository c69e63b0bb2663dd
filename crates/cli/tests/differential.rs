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
