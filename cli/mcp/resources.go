package mcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The resources' addresses.
const (
	recordTemplate = "vault://ledger/{seq}"
	recordPrefix   = "vault://ledger/"
	functionsURI   = "vault://functions"
	checkpointURI  = "vault://checkpoint/latest"
)

// addResources offers the ledger's records, the functions and the latest
// checkpoint, each where ops provides it.
func addResources(s *sdk.Server, ops Ops) {
	if ops.Record != nil {
		s.AddResourceTemplate(&sdk.ResourceTemplate{
			Name: "ledger-record", Title: "Ledger record", URITemplate: recordTemplate, MIMEType: "application/json",
			Description: "One ledger record: the decoded event, its signatures and event ID.",
		}, func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
			uri := req.Params.URI
			seq, err := strconv.ParseUint(strings.TrimPrefix(uri, recordPrefix), 10, 64)
			if err != nil || seq == 0 || !strings.HasPrefix(uri, recordPrefix) {
				return nil, fmt.Errorf("%s: want %s with a positive sequence", uri, recordTemplate)
			}
			return read(uri, "application/json", func() ([]byte, error) { return ops.Record(ctx, seq) })
		})
	}
	if ops.Functions != nil {
		s.AddResource(&sdk.Resource{
			Name: "functions", Title: "Functions", URI: functionsURI, MIMEType: "application/json",
			Description: "Every function, its versions, which one serves and its routes (the node's snapshot).",
		}, func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
			return read(req.Params.URI, "application/json", func() ([]byte, error) { return ops.Functions(ctx) })
		})
	}
	if ops.Checkpoint != nil {
		s.AddResource(&sdk.Resource{
			Name: "checkpoint", Title: "Latest checkpoint", URI: checkpointURI, MIMEType: "text/plain",
			Description: "The latest signed checkpoint of the ledger's Merkle tree (C2SP tlog-checkpoint, a signed note).",
		}, func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
			return read(req.Params.URI, "text/plain", func() ([]byte, error) { return ops.Checkpoint(ctx) })
		})
	}
}

// read is the contents of resource uri as get returns them.
func read(uri, mime string, get func() ([]byte, error)) (*sdk.ReadResourceResult, error) {
	b, err := get()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: mime, Text: string(b)}}}, nil
}
