//go:build unix

package steps

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs the driver in its own process group, so that a timeout
// kills the driver and whatever it started.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
