// Command sandbox-exec starts a container's process for the cluster tier's pod sandbox
// (test/cluster/pod-sandbox.ts), as a container runtime's last step does: chroot into the
// container's root, change to its working directory, take its user and group (numeric ids, no
// supplementary groups) and exec its program.
//
//	sandbox-exec <root> <workingDir> <uid> <gid> <program> [args...]
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "sandbox-exec: "+format+"\n", a...)
	os.Exit(127)
}

func main() {
	if len(os.Args) < 6 {
		fail("usage: sandbox-exec <root> <workingDir> <uid> <gid> <program> [args...] (got %d arguments)", len(os.Args)-1)
	}
	root, wd := os.Args[1], os.Args[2]
	uid, err := strconv.Atoi(os.Args[3])
	if err != nil || uid < 0 {
		fail("uid %q is not a non-negative integer", os.Args[3])
	}
	gid, err := strconv.Atoi(os.Args[4])
	if err != nil || gid < 0 {
		fail("gid %q is not a non-negative integer", os.Args[4])
	}
	argv := os.Args[5:]
	if err := syscall.Chroot(root); err != nil {
		fail("chroot %s: %v", root, err)
	}
	if err := syscall.Chdir(wd); err != nil {
		fail("working directory %s: %v", wd, err)
	}
	if err := syscall.Setgroups([]int{}); err != nil {
		fail("setgroups: %v", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		fail("setgid %d: %v", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		fail("setuid %d: %v", uid, err)
	}
	if err := syscall.Exec(argv[0], argv, os.Environ()); err != nil {
		fail("exec %s: %v", argv[0], err)
	}
}
