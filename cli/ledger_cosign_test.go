package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

func TestPrintWitnesses(t *testing.T) {
	node, file := &ledgerSource{}, &ledgerSource{file: "x.vexp"}
	for _, tc := range []struct {
		name string
		src  *ledgerSource
		r    *ledger.CosignReport
		err  error
		want string
	}{
		{"Zero", node, &ledger.CosignReport{Size: 41, Cosigners: []string{}}, nil,
			"witnesses    0 cosigned the latest checkpoint (size 41)\n"},
		{"Two", node, &ledger.CosignReport{Size: 41, Cosigners: []string{"aa", "bb"}, Ignored: []ledger.IgnoredCosignature{{Witness: "cc", Reason: "bad"}}}, nil,
			"witnesses    2 cosigned the latest checkpoint (size 41): aa, bb\nignored      cosignature by cc: bad\n"},
		{"ExportFile", file, nil, nil, "witnesses    unknown: cosignatures are not in export files\n"},
		{"NoCheckpoint", node, nil, nil, "witnesses    no checkpoint to cosign\n"},
		{"ReadError", node, nil, errors.New("boom"), "witnesses    unknown: cannot read cosignatures: boom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			printWitnesses(&out, tc.src, tc.r, tc.err)
			if out.String() != tc.want {
				t.Fatalf("got %q\nwant %q", out.String(), tc.want)
			}
		})
	}
}

func TestVerifyJSONCarriesCosigners(t *testing.T) {
	data, err := json.Marshal(struct {
		*projector.AuditReport
		*ledger.CosignReport
	}{&projector.AuditReport{Records: 3}, &ledger.CosignReport{Size: 3, Cosigners: []string{"aa"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"records":3`, `"cosignedSize":3`, `"cosigners":["aa"]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %s", data, want)
		}
	}
}
