package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector/fold"
)

// secretListing is one secret as ls shows it: never its value, nor its
// ciphertext.
type secretListing struct {
	Key        string    `json:"key"`
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	By         []string  `json:"by"`
	Digest     string    `json:"digest"`
	Recipients []string  `json:"recipients"`
	// Missing are trusted node keys it is not encrypted to: those nodes
	// cannot open it until a rekey.
	Missing []string `json:"missing,omitempty"`
}

func secretLsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls NAME",
		Short: "List a function's secrets: key, the seq and key that set it, its recipients; never values",
		Long: `Ls lists the function's secrets as the ledger has them: each key, the seq of the
record that set it and the key that signed it, the digest of its ciphertext and
how many keys it is encrypted to. It names the node keys a secret is not
encrypted to (keys trusted after the put): those nodes do not serve the
function until 'vault secret rekey NAME'. Nothing is decrypted.`,
		Example: "  vault secret ls shop\n  vault secret ls shop --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c, snap, f, err := commandInvocation(cmd, server).dialFunction(cmd.Context(), "secret ls", name)
			if err != nil {
				return err
			}
			c.Close()
			nodes := nodeRecipients(snap.State.Keys)
			list := []secretListing{}
			for _, key := range f.SecretKeys() {
				sec := f.Secrets[key]
				l := secretListing{Key: key, Seq: sec.Seq, Time: sec.Time, By: sec.By, Digest: sec.Digest, Recipients: sec.Recipients}
				for _, r := range nodes {
					if !slices.Contains(sec.Recipients, r.ID) {
						l.Missing = append(l.Missing, r.ID)
					}
				}
				list = append(list, l)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, list)
			}
			if len(list) == 0 {
				fmt.Fprintf(out, "%s has no secrets\n", name)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tSET AT\tWHEN (UTC)\tBY\tENCRYPTED TO")
			stale := false
			for _, l := range list {
				to := fmt.Sprintf("%d keys", len(l.Recipients))
				if len(l.Missing) > 0 {
					to += fmt.Sprintf(" (not node %s)", strings.Join(l.Missing, ", "))
					stale = true
				}
				fmt.Fprintf(tw, "%s\tseq %d\t%s\t%s\t%s\n", l.Key, l.Seq, l.Time.UTC().Format(time.DateTime), strings.Join(l.By, ","), to)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if stale {
				fmt.Fprintf(out, "some node keys cannot open these secrets: run vault secret rekey %s\n", name)
			}
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printSecretKeys is inspect's SECRETS section: keys and who set them.
func printSecretKeys(w io.Writer, f *fold.Function) {
	fmt.Fprintln(w, "\nSECRETS")
	for _, key := range f.SecretKeys() {
		sec := f.Secrets[key]
		fmt.Fprintf(w, "  %s (set at seq %d by %s)\n", key, sec.Seq, strings.Join(sec.By, ","))
	}
	if len(f.Secrets) == 0 {
		fmt.Fprintln(w, "  none")
	}
}
