package admin

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// TestClassify pins the one error mapping, including the kinds no admin
// endpoint can provoke through the reference service (no seats, precondition).
func TestClassify(t *testing.T) {
	cases := []struct {
		err      error
		status   int
		code     string
		internal bool
	}{
		{directory.Errorf("op", directory.KindInvalid, "x"), http.StatusBadRequest, codeInvalid, false},
		{directory.Errorf("op", directory.KindNotFound, "x"), http.StatusNotFound, codeNotFound, false},
		{directory.Errorf("op", directory.KindConflict, "x"), http.StatusConflict, codeConflict, false},
		{directory.Errorf("op", directory.KindNoSeats, "x"), http.StatusPreconditionRequired, codeNoSeats, false},
		{directory.Errorf("op", directory.KindPrecondition, "x"), http.StatusPreconditionFailed, codePrecondition, false},
		{directory.Errorf("op", directory.KindForbidden, "x"), http.StatusForbidden, codeForbidden, false},
		{fmt.Errorf("wrapped: %w", directory.Errorf("op", directory.KindConflict, "x")), http.StatusConflict, codeConflict, false},
		{fmt.Errorf("read: %w", store.ErrNotFound), http.StatusNotFound, codeNotFound, false},
		{&http.MaxBytesError{Limit: 10}, http.StatusRequestEntityTooLarge, codeTooLarge, false},
		{errorf(http.StatusBadRequest, codeInvalidJSON, "x"), http.StatusBadRequest, codeInvalidJSON, false},
		{errors.New("disk on fire"), http.StatusInternalServerError, codeInternal, true},
		{&directory.Error{Op: "op", Kind: 99}, http.StatusInternalServerError, codeInternal, true},
	}
	for _, c := range cases {
		e, internal := classify(c.err)
		assert.Equal(t, c.status, e.status, "%v", c.err)
		assert.Equal(t, c.code, e.code, "%v", c.err)
		assert.Equal(t, c.internal, internal, "%v", c.err)
		if internal {
			assert.NotContains(t, e.detail, "disk", "an internal cause is logged, not shown")
		}
	}
	e, _ := classify(&directory.Error{Op: "create user", Kind: directory.KindInvalid, Field: "userName", Detail: "bad"})
	assert.Equal(t, "userName", e.field)
}
