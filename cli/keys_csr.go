package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
)

// keysCSRCommand prints a certificate request for a hub's node key: the
// operator's CA turns it into the hub's --cluster-cert, so the hub's
// routes prove its node key, which the other hubs check against the
// ledger's keyring.
func keysCSRCommand() *cobra.Command {
	var data string
	var ips, dnsNames []string
	cmd := &cobra.Command{
		Use:   "csr",
		Short: "Print a certificate request for a hub's node key (its cluster certificate)",
		Long: `Csr prints a PEM certificate request (PKCS #10) for the node key in DIR,
signed by that key, naming the addresses (--ip) and host names (--dns) the
other hubs dial this hub's --cluster-listen at. The operator's CA signs it
with the serverAuth and clientAuth usages; the hub runs with the certificate
as --cluster-cert and the CA as --nats-ca (no key file: the node key is the
certificate's key, and signs the routes' TLS handshakes).

The other hubs admit its routes by the CA while their ledger's keyring is
not projected yet, and from then on by the keyring: trust the key with
'vault keys add PUBLIC-KEY --role log' (printed on stderr). A key the keyring
does not name is admitted only until the keyring names the cluster's hubs;
'vault keys revoke ID' closes its routes and refuses them.`,
		Example: `  vault keys csr --data .vault --ip 10.0.0.1 > hub1.csr
  openssl x509 -req -in hub1.csr -CA ca.pem -CAkey ca-key.pem -days 365 \
    -copy_extensions copy -extfile <(echo extendedKeyUsage=serverAuth,clientAuth) -out hub1-cluster.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(ips) == 0 && len(dnsNames) == 0 {
				return errors.New("vault keys csr: name the hub's cluster address with --ip or --dns (the other hubs verify the certificate against the address they dial)")
			}
			var addrs []net.IP
			for _, s := range ips {
				ip := net.ParseIP(s)
				if ip == nil {
					return fmt.Errorf("vault keys csr: --ip %q is not an IP address", s)
				}
				addrs = append(addrs, ip)
			}
			key, err := loadKey(filepath.Join(data, nodeKeyFile))
			if err != nil {
				return err
			}
			defer key.Wipe()
			csr, err := node.NodeCSR(key, addrs, dnsNames)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "certificate request for node key %s (public key %s)\n", key.ID, base64.StdEncoding.EncodeToString(key.Public()))
			_, err = cmd.OutOrStdout().Write(csr)
			return err
		},
	}
	cmd.Flags().StringVar(&data, "data", ".vault", "data directory of the hub (its node key)")
	cmd.Flags().StringSliceVar(&ips, "ip", nil, "an IP address the other hubs dial this hub's cluster listener at (repeatable)")
	cmd.Flags().StringSliceVar(&dnsNames, "dns", nil, "a host name the other hubs dial this hub's cluster listener at (repeatable)")
	return cmd
}
