package sync

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/internal/scimclient"
)

// WriteJSONL writes exchanges as JSON lines, one exchange a line. Requests
// never carry the Authorization header (the token is not recorded).
func WriteJSONL(w io.Writer, exs []Exchange) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range exs {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSONL reads a recording written by WriteJSONL.
func ReadJSONL(r io.Reader) ([]Exchange, error) {
	var out []Exchange
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Exchange
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if e.Method == "" || !strings.HasPrefix(e.Path, "/") {
			return nil, fmt.Errorf("line %d: not a recorded exchange (no method or path)", n)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// ids maps the ids a recording learned from its answers to other values:
// the ids a new target assigns (replay) or stable names (golden files).
type ids struct {
	to    map[string]string
	order []string // longest first when rewriting
}

func newIDs() *ids { return &ids{to: map[string]string{}} }

// AnswerIDs lists the resource ids of an answer: its id, or its Resources' ids.
func AnswerIDs(body []byte) []string {
	if !gjson.ValidBytes(body) {
		return nil
	}
	j := gjson.ParseBytes(body)
	if id := j.Get("id").String(); id != "" {
		return []string{id}
	}
	var out []string
	for _, r := range j.Get("Resources").Array() {
		out = append(out, r.Get("id").String())
	}
	return out
}

func (m *ids) set(from, to string) {
	if from == "" || to == "" || from == to {
		return
	}
	if _, ok := m.to[from]; ok {
		return
	}
	m.to[from] = to
	m.order = append(m.order, from)
	sort.SliceStable(m.order, func(i, j int) bool { return len(m.order[i]) > len(m.order[j]) })
}

// rewrite replaces every known id in s.
func (m *ids) rewrite(s string) string {
	for _, from := range m.order {
		s = strings.ReplaceAll(s, from, m.to[from])
	}
	return s
}

// Replay sends a recording again to opts.BaseURL with opts.Token. Ids
// differ on a fresh target, so every id the recording learned from an
// answer (a created resource's id, a list's Resources ids, paired by
// position) is rewritten, in later paths and bodies, to the id the new
// target answered. Everything else (userNames, display names, the IdPs'
// own object ids) is sent as recorded, so replay against a target that
// does not already hold those people. An answer whose status differs from
// the recorded one is a problem.
func Replay(ctx context.Context, rec []Exchange, opts Options) (*Report, error) {
	c := &scimclient.Client{BaseURL: strings.TrimRight(opts.BaseURL, "/"), Token: opts.Token, HTTP: opts.HTTP, Redact: opts.Redact}
	m := newIDs()
	rep := &Report{}
	for _, e := range rec {
		path := m.rewrite(e.Path)
		p, rawQuery, _ := strings.Cut(path, "?")
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return rep, fmt.Errorf("replay %s %s: %w", e.Method, e.Path, err)
		}
		r := scimclient.Request{Method: e.Method, Path: p, Query: q, Header: e.Header}
		if len(e.Body) > 0 {
			r.Body = []byte(m.rewrite(string(e.Body)))
		}
		ex, err := c.Do(ctx, r)
		if err != nil {
			return rep, err
		}
		out := Exchange{IdP: e.IdP, Phase: e.Phase, Step: e.Step, Method: e.Method, Path: path, Header: e.Header,
			Status: ex.Status, wire: ex}
		if len(ex.ReqBody) > 0 {
			out.Body = json.RawMessage(ex.ReqBody)
		}
		if json.Valid(ex.RespBody) {
			out.Response = json.RawMessage(ex.RespBody)
		}
		if ex.Status != e.Status {
			out.Problem = fmt.Sprintf("recorded %d, replayed %d", e.Status, ex.Status)
			rep.Problems = append(rep.Problems, Problem{Phase: e.Phase, Step: e.Step, Status: ex.Status, Reason: out.Problem})
		}
		if ex.Status >= 200 && ex.Status < 300 {
			old, now := AnswerIDs(e.Response), AnswerIDs(ex.RespBody)
			for i := 0; i < len(old) && i < len(now); i++ {
				m.set(old[i], now[i])
			}
		}
		rep.Exchanges = append(rep.Exchanges, out)
		if opts.OnExchange != nil {
			opts.OnExchange(out)
		}
	}
	return rep, nil
}

// Golden prints the requests of exchanges in a stable text form: the ids
// the target assigned become {user-N} and {group-N} (numbered in order of
// first appearance), bodies are indented JSON with sorted keys.
func Golden(exs []Exchange) string {
	m := newIDs()
	n := map[string]int{}
	var b strings.Builder
	for i, e := range exs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s: %s\n", e.Phase, e.Step)
		path := m.rewrite(e.Path)
		if p, q, ok := strings.Cut(path, "?"); ok {
			if uq, err := url.QueryUnescape(q); err == nil {
				path = p + "?" + uq
			}
		}
		fmt.Fprintf(&b, "%s %s\n", e.Method, path)
		var keys []string
		for k := range e.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s\n", k, e.Header[k])
		}
		if len(e.Body) > 0 {
			var v any
			if json.Unmarshal([]byte(m.rewrite(string(e.Body))), &v) == nil {
				var out bytes.Buffer
				enc := json.NewEncoder(&out)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				_ = enc.Encode(v)
				b.Write(out.Bytes())
			} else {
				b.WriteString(m.rewrite(string(e.Body)) + "\n")
			}
		}
		fmt.Fprintf(&b, "-> %d\n", e.Status)
		if e.Status >= 200 && e.Status < 300 {
			kind := "user"
			if strings.HasPrefix(e.Path, "/Groups") {
				kind = "group"
			}
			for _, id := range AnswerIDs(e.Response) {
				if _, known := m.to[id]; !known && id != "" {
					n[kind]++
					m.set(id, fmt.Sprintf("{%s-%d}", kind, n[kind]))
				}
			}
		}
	}
	return b.String()
}
