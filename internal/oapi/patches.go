package oapi

import (
	"fmt"
	"sort"
	"strings"
)

// patchReport records what each patch changed, as JSON pointers into the
// document, so that tests notice when the file is fixed upstream (a patch
// that changes nothing is a patch to delete).
type patchReport struct {
	QuotedKeys         []string // patch 1a, see decodeYAML
	DroppedParamGroups bool     // patch 1b
	StrippedAllOf      []string // patch 2: allOf branches that lost additionalProperties
	InboundRefs        []string // patch 4: $ref and discriminator mapping values rewritten
	InboundSchemas     []string // patch 4: component schemas reachable from the webhook body
}

// applyPatches repairs the document in place. Patch 1a (integer keys) happens
// earlier, while converting YAML; see decodeYAML.
func applyPatches(doc map[string]any, rep *patchReport) error {
	rep.DroppedParamGroups = dropParameterGroups(doc)
	rep.StrippedAllOf = stripAllOfAdditionalProperties(doc, "")
	sort.Strings(rep.StrippedAllOf)
	var err error
	rep.InboundRefs, rep.InboundSchemas, err = pointInboundAtTwins(doc)
	return err
}

// dropParameterGroups is patch 1b. components.parameterGroups is not an
// OpenAPI 3.1 field (components may only hold the fixed fields and x-
// extensions); nothing refers to it. It reports whether the block was there.
func dropParameterGroups(doc map[string]any) bool {
	comps, _ := doc["components"].(map[string]any)
	if _, ok := comps["parameterGroups"]; !ok {
		return false
	}
	delete(comps, "parameterGroups")
	return true
}

// stripAllOfAdditionalProperties is patch 2. Every outbound message schema
// is allOf[BaseMessageProperties, {additionalProperties: false, ...}]. In
// JSON Schema an allOf branch sees only its own properties, so that branch
// rejects messaging_product, recipient_type and to, the properties of its
// sibling: even a minimal text message fails. It deletes additionalProperties
// from the direct branches of every allOf and nowhere else (nested objects
// keep theirs), and returns the pointers of the branches it changed.
func stripAllOfAdditionalProperties(v any, ptr string) []string {
	var changed []string
	switch v := v.(type) {
	case map[string]any:
		if branches, ok := v["allOf"].([]any); ok {
			for i, b := range branches {
				if b, ok := b.(map[string]any); ok {
					if _, ok := b["additionalProperties"]; ok {
						delete(b, "additionalProperties")
						changed = append(changed, fmt.Sprintf("%s/allOf/%d", ptr, i))
					}
				}
			}
		}
		for k, e := range v {
			changed = append(changed, stripAllOfAdditionalProperties(e, ptr+"/"+escapePtr(k))...)
		}
	case []any:
		for i, e := range v {
			changed = append(changed, stripAllOfAdditionalProperties(e, fmt.Sprintf("%s/%d", ptr, i))...)
		}
	}
	return changed
}

// inboundTwins maps the name of an outbound schema to the inbound (webhook)
// schema of the same name. The file was merged from several smaller ones;
// where names collided the later schema got a suffix, but the $refs of the
// webhook part were not renamed. So IncomingMessage lists the outbound
// TextMessage, AudioMessage... (which require recipient_type and to), and the
// inbound ones that do exist (TextMessage_2, AudioMessage_1...) are never
// used. Every entry was checked by reading both schemas: the suffixed one
// sits among the webhook schemas (WebhookPayload ... SystemMessage) and has
// the inbound shape (from/id/timestamp, media with mime_type/sha256, numeric
// latitude, error objects with error_data).
var inboundTwins = map[string]string{
	"BaseMessageProperties": "BaseMessageProperties_1", // from, id, timestamp
	"TextMessage":           "TextMessage_2",           // TextMessage_1 is the marketing_messages text object
	"ReactionMessage":       "ReactionMessage_1",
	"AudioMessage":          "AudioMessage_1",
	"DocumentMessage":       "DocumentMessage_1",
	"ImageMessage":          "ImageMessage_1",
	"StickerMessage":        "StickerMessage_1",
	"VideoMessage":          "VideoMessage_1",
	"LocationMessage":       "LocationMessage_1",
	"ContactObject":         "ContactObject_1", // used by ContactSharingMessage
	"ErrorObject":           "ErrorObject_2",   // used by UnsupportedMessage; ErrorObject_1 is a Graph error alias
}

const (
	schemasPrefix = "#/components/schemas/"
	webhookPath   = "/whatsapp/webhooks"
)

// pointInboundAtTwins is patch 4. Starting from the request body of
// POST /whatsapp/webhooks it follows every $ref (and discriminator mapping)
// and, in the schemas reached that way only, replaces a reference to an
// outbound schema by its inbound twin (see inboundTwins). Outbound schemas
// are never reached once the references are rewritten, so they stay as they
// are. It returns the pointers it rewrote and the names of the component
// schemas the webhook body uses.
func pointInboundAtTwins(doc map[string]any) (rewritten, inbound []string, err error) {
	schemas, _ := lookup(doc, "/components/schemas")
	comps, _ := schemas.(map[string]any)
	for from, to := range inboundTwins {
		if comps[from] == nil || comps[to] == nil {
			return nil, nil, fmt.Errorf("patch 4: schema %s or %s is gone; review inboundTwins", from, to)
		}
	}
	start, ok := lookup(doc, "/paths/"+escapePtr(webhookPath)+"/post/requestBody")
	if !ok {
		return nil, nil, fmt.Errorf("patch 4: no request body for POST %s", webhookPath)
	}
	seen := map[string]bool{}
	// rename returns the twin of ref when ref names an outbound schema.
	rename := func(ref, ptr string) string {
		name, ok := strings.CutPrefix(ref, schemasPrefix)
		if !ok {
			return ref
		}
		if twin, ok := inboundTwins[name]; ok {
			rewritten = append(rewritten, ptr)
			return schemasPrefix + twin
		}
		return ref
	}
	var walk func(v any, ptr string)
	follow := func(ref string) {
		name, ok := strings.CutPrefix(ref, schemasPrefix)
		if ok && !seen[name] {
			seen[name] = true
			walk(comps[name], "/components/schemas/"+escapePtr(name))
		}
	}
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				v["$ref"] = rename(ref, ptr+"/$ref")
				follow(v["$ref"].(string))
			}
			if d, ok := v["discriminator"].(map[string]any); ok {
				if m, ok := d["mapping"].(map[string]any); ok {
					for k, ref := range m {
						if ref, ok := ref.(string); ok {
							m[k] = rename(ref, ptr+"/discriminator/mapping/"+escapePtr(k))
							follow(m[k].(string))
						}
					}
				}
			}
			for k, e := range v {
				walk(e, ptr+"/"+escapePtr(k))
			}
		case []any:
			for i, e := range v {
				walk(e, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	walk(start, "/paths/"+escapePtr(webhookPath)+"/post/requestBody")
	for name := range seen {
		inbound = append(inbound, name)
	}
	sort.Strings(rewritten)
	sort.Strings(inbound)
	return rewritten, inbound, nil
}
