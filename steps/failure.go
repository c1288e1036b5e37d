package steps

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
)

// Mismatch is a failed check whose expected and actual values are data, so
// that reports show them without reading them out of the message. Steps
// return it (wrapped or not) as their error; Outcome carries its fields.
type Mismatch struct {
	// What the check read: "status", "scimType", a JSON path of the answer
	// ("name.givenName"), "the signed-in user", ...
	What string
	// Expected is what the rule asks for, Actual what the target gave
	// ("nothing" when it gave no value at all).
	Expected string
	Actual   string
	// Message is the failure in words ("expected status 201, got 409").
	Message string

	ex *scimclient.Exchange // the exchange the check judged (nil: none)
}

// Error is the message followed by the exchange the check judged.
func (m *Mismatch) Error() string {
	if m.ex == nil {
		return m.Message
	}
	return m.Message + "\n" + m.ex.String()
}

// mismatch is a failed check with its expected and actual values and the
// exchange that shows it; the message is format and args.
func mismatch(ex *scimclient.Exchange, what, expected, actual, format string, args ...any) error {
	return &Mismatch{What: what, Expected: expected, Actual: actual, Message: fmt.Sprintf(format, args...), ex: ex}
}

// Exchange is one HTTP exchange a scenario recorded (SCIM, admin API, and
// the SAML browser's every hop), printed with credentials redacted and
// large bodies cut.
type Exchange struct {
	Method   string
	URL      string // redacted
	Status   int    // 0: no answer
	Error    string // why there was no answer
	Duration time.Duration
	// Via is "" for the SCIM and admin API clients, "browser" for a hop of
	// the SAML user agent (IdP pages, the POST to the ACS, redirects, the
	// SP's session page).
	Via string
	// Text is the exchange as HTTP text ("> GET …", "< HTTP 200 OK …").
	Text string
	// Judged marks the exchange the failed check judged.
	Judged bool
}

// judgedExchange finds the exchange a failed check printed, if it says.
func judgedExchange(err error) *scimclient.Exchange {
	var m *Mismatch
	if errors.As(err, &m) {
		return m.ex
	}
	var c *checkError
	if errors.As(err, &c) {
		return c.ex
	}
	return nil
}

// checkError is failf's failure: a message and the exchange that shows it.
type checkError struct {
	msg string
	ex  *scimclient.Exchange
}

func (c *checkError) Error() string { return c.msg + "\n" + c.ex.String() }

// exchanges prints the recorded exchanges for an Outcome, marking the one
// the failed check judged. Each exchange hides its client's secrets; the
// run's secrets as they are now (a token rotated during the scenario
// included) are hidden from all of them.
func exchanges(rec *scimclient.Recorder, judged *scimclient.Exchange, secrets ...string) []Exchange {
	var out []Exchange
	for _, e := range rec.Exchanges() {
		x := Exchange{Method: e.Method, URL: scimclient.Redact(e.Redacted(e.URL), secrets...), Status: e.Status, Duration: e.Duration, Via: e.Via,
			Text: scimclient.Redact(e.String(), secrets...), Judged: e == judged}
		if e.Err != nil {
			x.Status, x.Error = 0, scimclient.Redact(e.Redacted(e.Err.Error()), secrets...)
		}
		out = append(out, x)
	}
	return out
}

// transcript prints exchanges one after the other, as Recorder.Transcript.
func transcript(exs []Exchange) string {
	var b strings.Builder
	for i, x := range exs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(x.Text)
	}
	return b.String()
}

// badStatus is a failed status check: expected is the status the rule asks
// for ("201", "2xx", "409 with scimType uniqueness").
func badStatus(ex *scimclient.Exchange, expected, format string, args ...any) error {
	return mismatch(ex, "status", statusText(expected), statusOf(ex), format, args...)
}

// statusOf is an answer's status with its text ("404 Not Found").
func statusOf(ex *scimclient.Exchange) string {
	if ex == nil || ex.Err != nil {
		return "no answer"
	}
	return statusText(strconv.Itoa(ex.Status))
}

// statusText adds the reason phrase to a bare status code ("404" → "404
// Not Found"); other text stays as it is.
func statusText(code string) string {
	if n, err := strconv.Atoi(code); err == nil && http.StatusText(n) != "" {
		return code + " " + http.StatusText(n)
	}
	return code
}
