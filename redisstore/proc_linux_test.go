package redisstore

import "syscall"

// childProcAttr kills a test's redis-server if the test binary dies.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
