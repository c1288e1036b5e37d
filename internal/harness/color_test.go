package harness

import (
	"bytes"
	"os"
	"testing"
)

// TestNoColor: formatter colours only on a terminal, and never with
// NO_COLOR set or TERM=dumb.
func TestNoColor(t *testing.T) {
	if !noColor(&bytes.Buffer{}) {
		t.Fatal("a buffer is not a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if !noColor(w) {
		t.Fatal("a pipe is not a terminal")
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no terminal here: ", err)
	}
	defer tty.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if noColor(tty) {
		t.Fatal("a terminal gets colours")
	}
	t.Setenv("NO_COLOR", "1")
	if !noColor(tty) {
		t.Fatal("NO_COLOR is honoured")
	}
}
