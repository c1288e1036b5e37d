package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/internal/text"
	"github.com/provkit/provkit/reference/store"
)

// Error codes of the admin API (the "code" member of an error body). They are
// part of the contract; "detail" is for humans and never asserted on.
const (
	codeInvalid          = "invalid"             // 400: a field is missing or wrong
	codeInvalidJSON      = "invalid_json"        // 400: the body is not the expected JSON
	codeUnauthorized     = "unauthorized"        // 401: missing or wrong admin token
	codeForbidden        = "forbidden"           // 403: refused by policy
	codeNotFound         = "not_found"           // 404
	codeMethodNotAllowed = "method_not_allowed"  // 405
	codeConflict         = "conflict"            // 409: uniqueness
	codePrecondition     = "precondition_failed" // 412
	codeTooLarge         = "body_too_large"      // 413
	codeNoSeats          = "no_seats"            // 428: no licensed seat left
	codeInternal         = "internal"            // 500
)

// apiError is an error the HTTP layer raises itself (bad path ID, bad JSON).
type apiError struct {
	status int
	code   string
	detail string
	field  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.detail) }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

// invalid is a 400 about one request field.
func invalid(field, format string, args ...any) *apiError {
	e := errorf(http.StatusBadRequest, codeInvalid, format, args...)
	e.field = field
	return e
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, codeNotFound, format, args...)
}

// classify is the one place that maps an error to a status and a code:
// errors of this layer as raised, domain errors by kind, store sentinels from
// direct reads, an oversized body as 413; anything else is a 500 whose cause
// is logged, not shown.
func classify(err error) (e apiError, internal bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return *ae, false
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
			detail: fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit)}, false
	}
	var de *directory.Error
	if errors.As(err, &de) {
		e = apiError{detail: de.Error(), field: de.Field}
		switch de.Kind {
		case directory.KindInvalid:
			e.status, e.code = http.StatusBadRequest, codeInvalid
		case directory.KindNotFound:
			e.status, e.code = http.StatusNotFound, codeNotFound
		case directory.KindConflict:
			e.status, e.code = http.StatusConflict, codeConflict
		case directory.KindNoSeats:
			e.status, e.code = http.StatusPreconditionRequired, codeNoSeats
		case directory.KindPrecondition:
			e.status, e.code = http.StatusPreconditionFailed, codePrecondition
		case directory.KindForbidden:
			e.status, e.code = http.StatusForbidden, codeForbidden
		default:
			return apiError{status: http.StatusInternalServerError, code: codeInternal, detail: "internal server error"}, true
		}
		return e, false
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiError{status: http.StatusNotFound, code: codeNotFound, detail: "not found"}, false
	case errors.Is(err, store.ErrConflict):
		return apiError{status: http.StatusConflict, code: codeConflict, detail: "already exists"}, false
	case errors.Is(err, store.ErrNoSeats):
		return apiError{status: http.StatusPreconditionRequired, code: codeNoSeats, detail: "number of licensed seats was exceeded"}, false
	}
	return apiError{status: http.StatusInternalServerError, code: codeInternal, detail: "internal server error"}, true
}

type errorBody struct {
	Error errorMember `json:"error"`
}

type errorMember struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

// fail answers err as a JSON error body.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, internal := classify(err)
	if internal {
		a.log.ErrorContext(r.Context(), "admin api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, e.status, errorBody{Error: errorMember{Status: e.status, Code: e.code, Detail: e.detail, Field: e.field}})
}

// writeJSON writes v as an indented JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

// decode reads a JSON object body into v: at most maxBody bytes, no unknown
// members, nothing after the object. An empty body leaves v as is when
// emptyOK, else it is an error.
func (a *api) decode(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, codeInvalidJSON, "reading the body: %v", err)
	}
	if err := text.CheckJSON(body); err != nil {
		return errorf(http.StatusBadRequest, codeInvalid, "the body %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			if emptyOK {
				return nil
			}
			return errorf(http.StatusBadRequest, codeInvalidJSON, "a JSON object body is required")
		}
		return errorf(http.StatusBadRequest, codeInvalidJSON, "malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, codeInvalidJSON, "malformed JSON body: unexpected data after the object")
	}
	return nil
}
