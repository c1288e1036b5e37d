package reports

import (
	"fmt"
	"io"
	"strings"
)

// summary.md is meant for a pull request or merge request comment: GitHub
// limits a comment to 65,536 characters, so the evidence is cut to fit.
const (
	maxSummary      = 60000
	maxFailuresDone = 30   // failures with their evidence; the rest are listed
	maxEvidence     = 2500 // characters of evidence per failure
)

func writeSummary(rep *report, w io.Writer) error {
	var b strings.Builder
	verdict, icon := "PASSED", "✅"
	if !rep.Passed {
		verdict, icon = "FAILED", "❌"
	}
	fmt.Fprintf(&b, "## %s provkit conformance: %s\n\n", icon, verdict)
	fmt.Fprintf(&b, "**%d passed, %d failed, %d skipped** of %d scenarios in %s · profile `%s` · target `%s` · %s\n\n",
		rep.Counts.Passed, rep.Counts.Failed, rep.Counts.Skipped, rep.Total, fmtDuration(rep.Duration), rep.Profile,
		mdCode(rep.Target), rep.Date.Format("2006-01-02 15:04 UTC"))

	fmt.Fprintf(&b, "%s\n\n", mdText(rep.Verdict))
	b.WriteString("| level | passed | failed | skipped |\n|---|---:|---:|---:|\n")
	for _, l := range rep.Levels {
		name := l.Name
		if l.Failed > 0 {
			name = "❌ **" + name + "**"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", name, l.Passed, l.Failed, l.Skipped)
	}
	b.WriteString("\n")
	b.WriteString("| area | passed | failed | skipped |\n|---|---:|---:|---:|\n")
	for _, sec := range rep.Sections {
		if sec.Title == "By identity provider" {
			continue
		}
		for _, r := range sec.Rows {
			name := r.Name
			if r.Failed > 0 {
				name = "❌ **" + name + "**"
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", name, r.Passed, r.Failed, r.Skipped)
		}
	}
	fmt.Fprintf(&b, "| **total** | **%d** | **%d** | **%d** |\n", rep.Counts.Passed, rep.Counts.Failed, rep.Counts.Skipped)

	if len(rep.Failed) > 0 {
		fmt.Fprintf(&b, "\n### Failed (%d)\n\n", len(rep.Failed))
		for i, sc := range rep.Failed {
			if b.Len() > maxSummary-2000 {
				fmt.Fprintf(&b, "- … and %d more: see report.html\n", len(rep.Failed)-i)
				break
			}
			if i >= maxFailuresDone || b.Len() > maxSummary-4000 {
				fmt.Fprintf(&b, "- `%s` %s (@%s, %s)\n", sc.Location(), mdText(sc.Name), sc.Rule, sc.Level)
				continue
			}
			fmt.Fprintf(&b, "<details><summary>❌ <b>%s</b> · <code>%s</code> · @%s · %s</summary>\n\n",
				htmlText(sc.Name), htmlText(sc.Location()), htmlText(sc.Rule), htmlText(sc.Level))
			if sc.FailedStep != "" {
				fmt.Fprintf(&b, "**%s** %s\n\n", sc.FailedKind, mdText(sc.FailedStep))
			}
			if sc.Expected != "" || sc.Actual != "" {
				if sc.What != "" {
					fmt.Fprintf(&b, "- checked: %s\n", mdText(sc.What))
				}
				fmt.Fprintf(&b, "- expected: `%s`\n- actual: `%s`\n", mdCode(sc.Expected), mdCode(sc.Actual))
			} else {
				fmt.Fprintf(&b, "%s\n", mdText(sc.FirstLine()))
			}
			if sc.RuleText != "" || sc.SourceText != "" {
				fmt.Fprintf(&b, "- rule: %s\n- %s\n", mdText(sc.RuleText), mdText(strings.TrimSpace(sc.SourceText)))
			}
			ev := sc.Evidence
			if ev == "" && len(sc.Exchanges) > 0 {
				ev = sc.Exchanges[len(sc.Exchanges)-1].Text
			}
			if ev != "" {
				if len(ev) > maxEvidence {
					ev = ev[:maxEvidence] + "\n… (cut: the whole exchange is in report.html)"
				}
				fmt.Fprintf(&b, "\n```http\n%s\n```\n", strings.ReplaceAll(ev, "```", "`\u200b``"))
			}
			b.WriteString("\n</details>\n\n")
		}
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(&b, "\n### Skipped (%d)\n\n| scenarios | why |\n|---:|---|\n", rep.Counts.Skipped)
		for i, s := range rep.Skipped {
			if b.Len() > maxSummary {
				fmt.Fprintf(&b, "| … | and %d more reasons: see report.html |\n", len(rep.Skipped)-i)
				break
			}
			fmt.Fprintf(&b, "| %d | %s |\n", s.Count, mdText(s.Reason))
		}
	}
	if rep.DetailsURL != "" {
		fmt.Fprintf(&b, "\n[The full report](%s) (every scenario, its steps and exchanges)", rep.DetailsURL)
	} else {
		b.WriteString("\nThe full report (every scenario, its steps and exchanges) is `report.html`")
	}
	b.WriteString("; tokens, cookies and SAML signatures are redacted.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText makes a line safe in a Markdown table cell or paragraph.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`)
	return r.Replace(s)
}

// mdCode makes a one-line code span's content safe.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}

// htmlText escapes s for the inline HTML of <summary>.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
