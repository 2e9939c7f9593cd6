package genius

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"parley/engine"
)

// node is one XML element with the line it starts on.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	line     int
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) first(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// tag renders the start tag with a few identifying attributes, for errors.
func (n *node) tag() string {
	var b strings.Builder
	b.WriteString("<" + n.name)
	for _, k := range []string{"type", "index", "name", "value"} {
		if v, ok := n.attr(k); ok {
			if len(v) > 40 {
				v = v[:40] + "…"
			}
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	b.WriteString(">")
	return b.String()
}

// xerr returns an input error naming the file, line and element.
func xerr(file string, n *node, format string, args ...any) error {
	return engine.Errorf("%s: line %d: %s: %s", file, n.line, n.tag(), fmt.Sprintf(format, args...))
}

// cp1252 maps bytes 0x80–0x9F to the characters Windows-1252 gives them
// (0 where it leaves them undefined, which then decode as Latin-1 controls).
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// toUTF8 returns b as UTF-8: unchanged if it is valid UTF-8, otherwise
// decoded as Windows-1252 (old GENIUS files carry no declaration).
func toUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		r := rune(c)
		if c >= 0x80 && c <= 0x9F && cp1252[c-0x80] != 0 {
			r = cp1252[c-0x80]
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// prologueEnd returns where an XML declaration starts when only comments
// and blank space precede it (the ANAC 2014 files put a comment first, which
// encoding/xml rejects), or 0.
func prologueEnd(b []byte) int {
	i := bytes.Index(b, []byte("<?xml"))
	if i <= 0 {
		return 0
	}
	head := b[:i]
	for {
		head = bytes.TrimLeft(head, " \t\r\n\ufeff")
		if len(head) == 0 {
			return i
		}
		if !bytes.HasPrefix(head, []byte("<!--")) {
			return 0
		}
		j := bytes.Index(head, []byte("-->"))
		if j < 0 {
			return 0
		}
		head = head[j+3:]
	}
}

// parseXML reads a whole document into a tree. The returned line numbers
// refer to the original file.
func parseXML(file string, r io.Reader) (*node, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	b := toUTF8(raw)
	// Lines dropped with the prologue are added back to reported lines.
	i := prologueEnd(b)
	shift := bytes.Count(b[:i], []byte("\n"))
	b = b[i:]
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	dec := xml.NewDecoder(bytes.NewReader(b))
	// The bytes are already UTF-8 (see toUTF8) whatever the declaration says.
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	var root *node
	var stack []*node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return nil, engine.Errorf("%s: line %d: malformed XML: %v", file, line+shift, strings.TrimPrefix(err.Error(), "XML syntax error on line "+strconv.Itoa(line)+": "))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := dec.InputPos()
			n := &node{name: t.Name.Local, attrs: t.Attr, line: line + shift}
			if len(stack) == 0 {
				if root != nil {
					return nil, engine.Errorf("%s: line %d: malformed XML: a second root element <%s>", file, n.line, n.name)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, engine.Errorf("%s: malformed XML: no root element; expected <negotiation_template> or <utility_space>", file)
	}
	return root, nil
}
