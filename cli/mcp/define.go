package mcp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// define makes the row of tool name: its annotations from e, its input
// schema from In (strict: see inputSchema) with bounds, and a handler that
// calls op.
func define[In any](name string, e effect, title, description string, op Op[In], bounds ...bound) tool {
	t := &sdk.Tool{
		Name:        name,
		Title:       title,
		Description: description,
		InputSchema: inputSchema[In](bounds),
		Annotations: annotations(e, title),
	}
	handler := func(ctx context.Context, _ *sdk.CallToolRequest, in In) (*sdk.CallToolResult, Output, error) {
		out, err := op(ctx, in)
		if err != nil {
			// The SDK returns it as a tool error (IsError): the gate's
			// refusal, a missing function, a bad argument.
			return nil, Output{}, err
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: out.text()}}}, out, nil
	}
	return tool{name: name, def: t, effect: e, op: op != nil, add: func(s *sdk.Server) { sdk.AddTool(s, t, handler) }}
}

// annotations are the MCP hints of a tool with effect e. A tool talks to
// the node it was configured with, not an open world (but see openWorld).
func annotations(e effect, title string) *sdk.ToolAnnotations {
	closed := false
	a := &sdk.ToolAnnotations{Title: title, OpenWorldHint: &closed}
	switch e {
	case reads:
		a.ReadOnlyHint = true
		a.IdempotentHint = true
	case changes:
		a.DestructiveHint = &closed
	case destroys:
		destructive := true
		a.DestructiveHint = &destructive
	}
	return a
}

// text is what the tool's content says: the command's text, else its
// JSON.
func (o Output) text() string {
	if o.Text != "" || o.Data == nil {
		return o.Text
	}
	b, err := json.MarshalIndent(o.Data, "", "  ")
	if err != nil {
		return fmt.Sprintf("(unprintable output: %v)", err)
	}
	return string(b)
}

// inputSchema is In's JSON Schema, closed to unknown properties at every
// level (jsonschema.For does so for structs; this makes sure), with
// bounds applied. It panics on a type the table should never hold.
func inputSchema[In any](bounds []bound) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: input schema: %v", err))
	}
	s.AdditionalProperties = &jsonschema.Schema{Not: &jsonschema.Schema{}}
	for _, b := range bounds {
		p := s.Properties[b.field]
		if p == nil {
			panic(fmt.Sprintf("mcp: bound on %q: no such argument", b.field))
		}
		b.apply(p)
	}
	return s
}

// bound constrains one argument's values.
type bound struct {
	field string
	apply func(*jsonschema.Schema)
}

func minimum(field string, v float64) bound {
	return bound{field, func(s *jsonschema.Schema) { s.Minimum = &v }}
}

func maximum(field string, v float64) bound {
	return bound{field, func(s *jsonschema.Schema) { s.Maximum = &v }}
}

func minLength(field string, n int) bound {
	return bound{field, func(s *jsonschema.Schema) { s.MinLength = &n }}
}

func minItems(field string, n int) bound {
	return bound{field, func(s *jsonschema.Schema) { s.MinItems = &n }}
}

// oneOf limits a string, or each string of an array, to values.
func oneOf(field string, values ...string) bound {
	return bound{field, func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		for _, v := range values {
			s.Enum = append(s.Enum, v)
		}
	}}
}
