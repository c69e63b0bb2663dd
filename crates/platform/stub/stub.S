/*
 * The stub: the host process image every guest address space starts from.
 *
 * Trapline never lets this code run on its own. The tracer forks, the child
 * execs this file under PTRACE_TRACEME and stops before its first instruction;
 * from then on the tracer only points rip at `trampoline` to inject a host
 * system call (`syscall` then `int3`, so one ptrace stop per injection), and
 * at the guest's own code. `scratch` is a page the tracer writes arguments
 * into (paths for injected openat). The linker script places both at fixed
 * addresses (see layout.ld and STUB_* in src/stub.rs).
 */
    .section .text
    .globl trampoline
trampoline:
    syscall
    int3

    /* Where a forked process waits, harmlessly, between its tracer
     * threads (see Tracee::fork). At STUB_SPIN. */
    .globl spin
spin:
    pause
    jmp spin

    .globl _start
_start:
    ud2

    /* Where a new thread waits, blocked in pause(2), between its tracer
     * threads (see Tracee::clone_thread): a spinning thread would take the
     * CPU its creator and adopter need. At STUB_PARK (offset 0x10). */
    .org 0x10, 0xcc
    .globl park
park:
    mov $34, %eax       /* SYS_pause */
    syscall
    jmp park

    .section .bss
    .balign 4096
    .globl scratch
scratch:
    .space 4096
