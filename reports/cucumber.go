package reports

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
)

// cucumber JSON, the format of cucumber-js's and godog's "cucumber"
// formatter, read by cucumber-html-reporter, Jenkins' Cucumber Reports and
// Xray. A failed scenario's exchanges are attached to its failed step.

type cukeFeature struct {
	URI         string        `json:"uri"`
	ID          string        `json:"id"`
	Keyword     string        `json:"keyword"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Line        int           `json:"line"`
	Tags        []cukeTag     `json:"tags,omitempty"`
	Elements    []cukeElement `json:"elements"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int64  `json:"line"`
}

type cukeElement struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int64      `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags,omitempty"`
	Steps       []cukeStep `json:"steps"`
}

type cukeStep struct {
	Keyword    string          `json:"keyword"`
	Name       string          `json:"name"`
	Line       int64           `json:"line"`
	Result     cukeResult      `json:"result"`
	Embeddings []cukeEmbedding `json:"embeddings,omitempty"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Error    string `json:"error_message,omitempty"`
	Duration int64  `json:"duration,omitempty"` // nanoseconds
}

type cukeEmbedding struct {
	Name     string `json:"name,omitempty"`
	MimeType string `json:"mime_type"`
	Data     string `json:"data"`
}

func writeCucumber(rep *report, w io.Writer) error {
	out := []cukeFeature{}
	for _, f := range rep.Features {
		cf := cukeFeature{URI: "features/" + f.URI, ID: f.ID, Keyword: "Feature", Name: f.Name, Description: f.Description,
			Line: 1, Elements: []cukeElement{}}
		for _, sc := range f.Scenarios {
			el := cukeElement{ID: f.ID + ";" + sc.ID, Keyword: "Scenario", Name: sc.Name, Line: sc.Line, Type: "scenario",
				Steps: []cukeStep{}}
			for _, t := range sc.Tags {
				el.Tags = append(el.Tags, cukeTag{Name: t, Line: sc.Line})
			}
			skipSaid := false
			for _, st := range sc.Steps {
				cs := cukeStep{Keyword: st.Keyword + " ", Name: st.Text, Line: sc.Line,
					Result: cukeResult{Status: st.Status, Error: st.Error, Duration: st.Duration.Nanoseconds()}}
				if st.Status == "failed" && sc.Status == "failed" {
					if cs.Result.Error == "" {
						cs.Result.Error = joinNonEmpty(sc.Reason, sc.Evidence)
					}
					if len(sc.Exchanges) > 0 {
						var t []string
						for _, ex := range sc.Exchanges {
							t = append(t, ex.Text)
						}
						cs.Embeddings = []cukeEmbedding{{Name: "exchanges.txt", MimeType: "text/plain",
							Data: base64.StdEncoding.EncodeToString([]byte(strings.Join(t, "\n\n") + "\n"))}}
					}
				}
				if st.Status == "skipped" && sc.Status == "skipped" && cs.Result.Error == "" && !skipSaid {
					cs.Result.Error, skipSaid = sc.Reason, true // the reason, once, on the first skipped step
				}
				el.Steps = append(el.Steps, cs)
			}
			cf.Elements = append(cf.Elements, el)
		}
		out = append(out, cf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}
