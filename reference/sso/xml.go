package sso

import (
	"encoding/xml"
	"io"
)

func xmlNewEncoder(w io.Writer) *xml.Encoder {
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc
}
