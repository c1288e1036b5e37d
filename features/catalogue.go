package features

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// Tag categories of the vocabulary (tags.txt).
const (
	CatLevel  = "level"  // exactly one per scenario
	CatSource = "source" // exactly one per scenario
	CatArea   = "area"   // exactly one per scenario
	CatMarker = "marker" // any number
	CatNeeds  = "needs"  // any number
	CatRule   = "rule"   // exactly one per scenario
)

// Categories lists the categories in the order tags.txt uses.
var Categories = []string{CatLevel, CatSource, CatArea, CatMarker, CatNeeds, CatRule}

// Tag is one entry of the vocabulary.
type Tag struct {
	Name        string // with the leading "@"
	Category    string
	Description string
}

// Vocabulary is the fixed set of tags features may use.
type Vocabulary struct {
	Tags   []Tag
	byName map[string]Tag
}

// Lookup returns the tag's entry.
func (v *Vocabulary) Lookup(name string) (Tag, bool) {
	t, ok := v.byName[name]
	return t, ok
}

// In returns the tags of a category, in file order.
func (v *Vocabulary) In(category string) []Tag {
	var out []Tag
	for _, t := range v.Tags {
		if t.Category == category {
			out = append(out, t)
		}
	}
	return out
}

// LoadVocabulary parses tags.txt from FS.
func LoadVocabulary() (*Vocabulary, error) {
	data, err := fs.ReadFile(FS, "tags.txt")
	if err != nil {
		return nil, err
	}
	return ParseVocabulary(data)
}

// ParseVocabulary parses a vocabulary: one "category @tag description" per
// line; blank lines and lines starting with "#" are ignored.
func ParseVocabulary(data []byte) (*Vocabulary, error) {
	v := &Vocabulary{byName: map[string]Tag{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("tags.txt:%d: want \"category @tag description\"", n)
		}
		if !slices.Contains(Categories, f[0]) {
			return nil, fmt.Errorf("tags.txt:%d: unknown category %q", n, f[0])
		}
		if !strings.HasPrefix(f[1], "@") {
			return nil, fmt.Errorf("tags.txt:%d: tag %q must start with @", n, f[1])
		}
		if _, dup := v.byName[f[1]]; dup {
			return nil, fmt.Errorf("tags.txt:%d: %s listed twice", n, f[1])
		}
		t := Tag{Name: f[1], Category: f[0], Description: strings.Join(f[2:], " ")}
		v.Tags = append(v.Tags, t)
		v.byName[t.Name] = t
	}
	return v, sc.Err()
}

// StepKind is the kind of a step, from its keyword (And/But take the kind of
// the step before).
type StepKind string

// Step kinds.
const (
	Given StepKind = "Given"
	When  StepKind = "When"
	Then  StepKind = "Then"
)

// Step is one step of a scenario.
type Step struct {
	Kind StepKind
	Text string
}

// Scenario is one runnable scenario (an outline row counts as one).
type Scenario struct {
	URI                string // path inside FS
	Feature            string
	FeatureDescription string
	Rule               string
	RuleDescription    string // the text under the Rule: line (its source and citation)
	Name               string
	Line               int64 // of the scenario, or of the outline's example row
	Tags               []string
	Steps              []Step
}

// Has reports whether the scenario carries the tag (with "@").
func (s Scenario) Has(tag string) bool { return slices.Contains(s.Tags, tag) }

// Load parses every .feature file under the given paths of fsys (all of FS
// and Paths when fsys is nil) into scenarios, in file order.
func Load(fsys fs.FS, paths ...string) ([]Scenario, error) {
	if fsys == nil {
		fsys, paths = FS, Paths
	}
	var out []Scenario
	for _, root := range paths {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".feature" {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sc, err := parse(p, data)
			if err != nil {
				return err
			}
			out = append(out, sc...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parse(uri string, data []byte) ([]Scenario, error) {
	ids := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(data), ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", uri, err)
	}
	if doc.Feature == nil {
		return nil, nil
	}
	// Map AST node ids to their keywords, rules and lines.
	kinds := map[string]StepKind{}
	ruleOf := map[string]string{}
	ruleDesc := map[string]string{}
	lineOf := map[string]int64{}
	recordSteps := func(steps []*messages.Step) {
		last := Given
		for _, s := range steps {
			switch s.KeywordType {
			case messages.StepKeywordType_CONTEXT:
				last = Given
			case messages.StepKeywordType_ACTION:
				last = When
			case messages.StepKeywordType_OUTCOME:
				last = Then
			}
			kinds[s.Id] = last
		}
	}
	recordScenario := func(sc *messages.Scenario, rule string) {
		ruleOf[sc.Id] = rule
		lineOf[sc.Id] = sc.Location.Line
		recordSteps(sc.Steps)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lineOf[row.Id] = row.Location.Line
			}
		}
	}
	for _, c := range doc.Feature.Children {
		switch {
		case c.Background != nil:
			recordSteps(c.Background.Steps)
		case c.Scenario != nil:
			recordScenario(c.Scenario, "")
		case c.Rule != nil:
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					recordSteps(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					recordScenario(rc.Scenario, strings.TrimSpace(c.Rule.Name))
					ruleDesc[rc.Scenario.Id] = strings.TrimSpace(c.Rule.Description)
				}
			}
		}
	}
	var out []Scenario
	for _, p := range gherkin.Pickles(*doc, uri, ids) {
		s := Scenario{URI: uri, Feature: doc.Feature.Name, FeatureDescription: strings.TrimSpace(doc.Feature.Description),
			Name: p.Name}
		if len(p.AstNodeIds) > 0 {
			s.Rule = ruleOf[p.AstNodeIds[0]]
			s.RuleDescription = ruleDesc[p.AstNodeIds[0]]
			s.Line = lineOf[p.AstNodeIds[len(p.AstNodeIds)-1]]
		}
		for _, t := range p.Tags {
			if !slices.Contains(s.Tags, t.Name) {
				s.Tags = append(s.Tags, t.Name)
			}
		}
		for _, st := range p.Steps {
			k := Given
			if len(st.AstNodeIds) > 0 {
				k = kinds[st.AstNodeIds[0]]
			}
			s.Steps = append(s.Steps, Step{Kind: k, Text: st.Text})
		}
		out = append(out, s)
	}
	return out, nil
}

// Match reports whether tags satisfy a tag expression in Cucumber's or
// godog's syntax (see TagExpr). An empty expression matches everything; an
// expression that does not parse matches nothing.
func Match(expr string, tags []string) bool {
	e, err := ParseTagExpr(expr)
	if err != nil {
		return false
	}
	return e.Match(tags)
}

// Select returns the scenarios matching every given expression.
func Select(all []Scenario, exprs ...string) []Scenario {
	var out []Scenario
	for _, s := range all {
		ok := true
		for _, e := range exprs {
			ok = ok && Match(e, s.Tags)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// Only returns the tags of s in one category of v.
func (v *Vocabulary) Only(s Scenario, category string) []string {
	var out []string
	for _, t := range s.Tags {
		if e, ok := v.byName[t]; ok && e.Category == category {
			out = append(out, t)
		}
	}
	return out
}
