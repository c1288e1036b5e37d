package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// toSCIM is the one place that maps an error to a SCIM error: scimerr errors
// pass through, domain kinds get their status and scimType, anything else is
// a 500 whose cause is logged, not sent.
func toSCIM(err error) *scimerr.Error {
	var se *scimerr.Error
	if errors.As(err, &se) {
		return se
	}
	var de *directory.Error
	if errors.As(err, &de) {
		switch de.Kind {
		case directory.KindInvalid:
			return scimerr.BadRequest(scimerr.InvalidValue, "%s", de.Detail)
		case directory.KindNotFound:
			return scimerr.New(http.StatusNotFound, "", "%s", de.Detail)
		case directory.KindConflict:
			return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "%s", de.Detail)
		case directory.KindNoSeats:
			return scimerr.New(http.StatusPreconditionRequired, "", "%s", de.Detail)
		case directory.KindPrecondition:
			return scimerr.New(http.StatusPreconditionFailed, "", "%s", de.Detail)
		case directory.KindForbidden:
			return scimerr.New(http.StatusForbidden, "", "%s", de.Detail)
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return scimerr.New(http.StatusRequestEntityTooLarge, "", "request body larger than %d bytes", mbe.Limit)
	}
	slog.Error("scim: internal error", "err", err)
	return scimerr.New(http.StatusInternalServerError, "", "internal error")
}

type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, err error) {
	se := toSCIM(err)
	h := w.Header()
	h.Set("Content-Type", contentType)
	if se.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="SCIM", error="invalid_token"`)
	}
	w.WriteHeader(se.Status)
	_ = json.NewEncoder(w).Encode(errorBody{Schemas: []string{schema.ErrorURN}, Status: strconv.Itoa(se.Status), ScimType: se.ScimType, Detail: se.Detail})
}

// writeFaultyError is FaultBadErrorBody: the shape a careless server sends.
func writeFaultyError(w http.ResponseWriter, err error) {
	se := toSCIM(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(se.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": se.Status, "message": se.Detail})
}

func (q *request) fail(err error) {
	if q.unknownWrite(err) {
		return
	}
	if q.faults.Has(FaultBadErrorBody) {
		writeFaultyError(q.w, err)
		return
	}
	if q.faults.Has(FaultErrorJSONType) {
		writeError(jsonTyped{q.w}, err)
		return
	}
	if q.faults.Has(FaultErrorStatusNumber) {
		se := toSCIM(err)
		q.w.Header().Set("Content-Type", contentType)
		q.w.WriteHeader(se.Status)
		_ = json.NewEncoder(q.w).Encode(map[string]any{"schemas": []string{schema.ErrorURN}, "status": se.Status, "detail": se.Detail})
		return
	}
	writeError(q.w, err)
}
