package oapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	// modulePath identifies the repository root: the directory whose go.mod
	// declares this module.
	modulePath = "github.com/wacloud/whatsapp"

	// SharedDirEnv names the environment variable that overrides the
	// location of the shared directory (the directory holding openapi/).
	SharedDirEnv = "WHATSAPP_SHARED_DIR"

	// SpecFile is the path of Meta's OpenAPI file inside the shared directory.
	SpecFile = "openapi/business-messaging-api_v23.0.yaml"
)

// The document is read, converted and patched once per process and shared by
// every test; see loadOnce.
var loaded struct {
	once    sync.Once
	spec    *Spec
	missing string // non-empty: the file is absent, and why it was looked for where
	err     error
}

// Load returns the patched OpenAPI description, reading it on first use.
//
// When the file is absent, Load skips the test (t.Skipf), or fails it
// (t.Fatalf) when the environment variable CI is non-empty, so that the
// project's CI cannot silently lose these checks. A file that is present but
// unreadable always fails the test.
func Load(t testing.TB) *Spec {
	t.Helper()
	loaded.once.Do(func() {
		loaded.spec, loaded.missing, loaded.err = loadSpec()
	})
	return settle(t, loaded.spec, loaded.missing, loaded.err)
}

// settle turns the outcome of loading into a Spec, a skip or a failure.
func settle(t testing.TB, spec *Spec, missing string, err error) *Spec {
	t.Helper()
	switch {
	case missing != "" && os.Getenv("CI") != "":
		t.Fatalf("oapi: %s; CI is set, so the OpenAPI checks must run: provide ../shared/openapi or set %s", missing, SharedDirEnv)
	case missing != "":
		t.Skipf("oapi: %s; ../shared/openapi not found; these checks run in the project's CI (or set %s)", missing, SharedDirEnv)
	case err != nil:
		t.Fatalf("oapi: %v", err)
	}
	return spec
}

// loadSpec finds, reads, converts and patches the document. missing is set
// (and err nil) when the file does not exist.
func loadSpec() (spec *Spec, missing string, err error) {
	start := time.Now()
	path, missing, err := specPath()
	if missing != "" || err != nil {
		return nil, missing, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Sprintf("%s does not exist", path), nil
	}
	if err != nil {
		return nil, "", err
	}
	doc, quoted, err := decodeYAML(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	spec, err = newSpec(path, doc, quoted)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	spec.loadTime = time.Since(start)
	return spec, "", nil
}

// specPath locates the OpenAPI file: $WHATSAPP_SHARED_DIR/openapi/... when
// set, else <repo root>/../shared/openapi/...
func specPath() (path, missing string, err error) {
	shared := os.Getenv(SharedDirEnv)
	if shared == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", "", err
		}
		root, ok := repoRoot(wd)
		if !ok {
			return "", fmt.Sprintf("no go.mod for module %s above %s", modulePath, wd), nil
		}
		shared = filepath.Join(filepath.Dir(root), "shared")
	}
	path = filepath.Join(shared, filepath.FromSlash(SpecFile))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", fmt.Sprintf("%s does not exist", path), nil
	} else if err != nil {
		return "", "", err
	}
	return path, "", nil
}

// repoRoot walks up from dir to the directory whose go.mod declares
// modulePath.
func repoRoot(dir string) (string, bool) {
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// declaresModule reports whether the go.mod file at path has the line
// "module github.com/wacloud/whatsapp".
func declaresModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "module" && strings.Trim(fields[1], `"`) == modulePath {
			return true
		}
	}
	return false
}

// decodeYAML converts a YAML document into the values encoding/json would
// produce (map[string]any, []any, string, json.Number, float64, bool, nil),
// which is what jsonschema needs. Integers become json.Number so that large
// ids keep every digit; timestamps and other special scalars stay strings.
//
// Patch 1a: OpenAPI (and JSON) keys are strings, but YAML reads the unquoted
// response key `200` under /whatsapp/webhooks as an integer. Every key is
// taken as its source text; quoted lists the JSON pointers of the keys that
// YAML did not read as strings, so a test can see the patch is still needed.
func decodeYAML(data []byte) (doc map[string]any, quoted []string, err error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, err
	}
	c := converter{aliases: map[*yaml.Node]any{}}
	v, err := c.convert(&root, "")
	if err != nil {
		return nil, nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("top level is %T, want a mapping", v)
	}
	return doc, c.quoted, nil
}

type converter struct {
	aliases map[*yaml.Node]any
	quoted  []string
}

func (c *converter) convert(n *yaml.Node, ptr string) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("want one YAML document, got %d", len(n.Content))
		}
		return c.convert(n.Content[0], ptr)
	case yaml.AliasNode:
		if v, ok := c.aliases[n.Alias]; ok {
			return v, nil
		}
		v, err := c.convert(n.Alias, ptr)
		c.aliases[n.Alias] = v
		return v, err
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: non-scalar mapping key", k.Line)
			}
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not supported", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			if k.ShortTag() != "!!str" {
				c.quoted = append(c.quoted, ptr+"/"+escapePtr(k.Value))
			}
			v, err := c.convert(val, ptr+"/"+escapePtr(k.Value))
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, e := range n.Content {
			v, err := c.convert(e, ptr+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
}

// scalar converts one YAML scalar to its JSON value.
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return b, nil
	case "!!int":
		var i any
		if err := n.Decode(&i); err != nil {
			return nil, err
		}
		switch i := i.(type) {
		case int:
			return json.Number(strconv.Itoa(i)), nil
		case int64:
			return json.Number(strconv.FormatInt(i, 10)), nil
		case uint64:
			return json.Number(strconv.FormatUint(i, 10)), nil
		}
		return nil, fmt.Errorf("line %d: integer %q decoded as %T", n.Line, n.Value, i)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("line %d: %q has no JSON form", n.Line, n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, n.ShortTag())
}

// escapePtr escapes one JSON pointer token (RFC 6901).
func escapePtr(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
}

// unescapePtr reverses escapePtr.
func unescapePtr(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
}

// lookup returns the value at the JSON pointer ptr ("" or "/a/b") in doc.
func lookup(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	v := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapePtr(tok)
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// parseJSON decodes a body into JSON values, keeping numbers exact.
func parseJSON(body any) (any, error) {
	var data []byte
	switch b := body.(type) {
	case []byte:
		data = b
	case json.RawMessage:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("marshal body: %w", err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("body is not JSON: data after the first value")
	}
	return v, nil
}
