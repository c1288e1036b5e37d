package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":     fmtDuration,
	"join":    strings.Join,
	"exlines": exchangeLines,
	"date":    func(t time.Time) string { return t.Format("2006-01-02 15:04:05 UTC") },
	"upper":   strings.ToUpper,
}).Parse(htmlSource))

func writeHTML(rep *report, w io.Writer) error { return htmlTemplate.Execute(w, rep) }

// fmtDuration prints a duration for people: 850ms, 1.87s, 2m05s.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

type exLine struct{ Class, Text string }

// exchangeLines classifies a printed exchange's lines: request, response,
// or the status line of the answer.
func exchangeLines(s string) []exLine {
	var out []exLine
	for i, l := range strings.Split(s, "\n") {
		c := ""
		switch {
		case strings.HasPrefix(l, "< HTTP ") || strings.HasPrefix(l, "< (no answer"):
			c = "rs"
			if st := strings.TrimPrefix(l, "< HTTP "); st != l && len(st) > 0 && (st[0] == '4' || st[0] == '5') {
				c = "rs bad"
			}
			if st := strings.TrimPrefix(l, "< (no answer"); st != l {
				c = "rs bad"
			}
		case strings.HasPrefix(l, "> "):
			c = "rq"
			if i == 0 {
				c = "rq first"
			}
		case strings.HasPrefix(l, "< "):
			c = "rp"
		}
		out = append(out, exLine{c, l})
	}
	return out
}
