package schemas

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestParseManifestValid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want *Manifest
	}{
		{
			name: "Minimal",
			yaml: "name: hello\nentry: index.ts\n",
			want: &Manifest{Name: "hello", Entry: "index.ts"},
		},
		{
			name: "Full",
			yaml: `# a comment
name: hello-2
entry: src/index.ts
routes:
  - /
  - /users/:id
  - API.Example.com/v1/*
  - /trailing/
limits:
  cpu_ms: 10
  wall_ms: 2000
  memory_mb: 64
  request_body_bytes: 1024
  response_body_bytes: 0x800
  subrequests: 5
  subrequest_response_bytes: 65536
  subrequest_ms: 1500
vars:
  GREETING: "hello: world"
  EMPTY: ""
  NUMBER: 42
egress:
  - api.example.com
  - "*.Example.org:8443"
`,
			want: &Manifest{
				Name: "hello-2", Entry: "src/index.ts",
				Routes: []string{"/", "/users/:id", "api.example.com/v1/*", "/trailing/"},
				Limits: Limits{
					CPUMillis: 10, WallMillis: 2000, MemoryMB: 64, RequestBodyBytes: 1024, ResponseBodyBytes: 2048,
					Subrequests: 5, SubrequestBytes: 65536, SubrequestMillis: 1500,
				},
				Vars:   map[string]string{"GREETING": "hello: world", "EMPTY": "", "NUMBER": "42"},
				Egress: []string{"api.example.com", "*.example.org:8443"},
			},
		},
		{
			name: "EgressEveryForm",
			yaml: `name: a
entry: a.ts
egress:
  - API.example.com.
  - "*.example.com"
  - api.example.com:8443
  - 203.0.113.7
  - 203.0.113.8:80
  - "[2001:DB8::1]"
  - "[2001:db8::2]:443"
  - 2001:db8::3
  - "[::ffff:198.51.100.1]"
  - 10.1.0.0/16
  - fd00::/8
  - ::ffff:192.168.0.0/112
  - localhost
  - localhost:8080
  - my_host.internal
`,
			want: &Manifest{Name: "a", Entry: "a.ts", Egress: []string{
				"api.example.com", "*.example.com", "api.example.com:8443",
				"203.0.113.7", "203.0.113.8:80", "[2001:db8::1]", "[2001:db8::2]:443", "[2001:db8::3]", "198.51.100.1",
				"10.1.0.0/16", "fd00::/8", "192.168.0.0/16", "localhost", "localhost:8080", "my_host.internal",
			}},
		},
		{
			name: "EmptyEgress",
			yaml: "name: a\nentry: a.ts\negress: []\n",
			want: &Manifest{Name: "a", Entry: "a.ts"},
		},
		{
			name: "FlowStyle",
			yaml: `{name: a, entry: "./main.js", routes: [/x, "h.example/y"], limits: {cpu_ms: 1}, vars: {}}`,
			want: &Manifest{Name: "a", Entry: "./main.js", Routes: []string{"/x", "h.example/y"}, Limits: Limits{CPUMillis: 1}, Vars: map[string]string{}},
		},
		{
			name: "EmptyRoutesAndLimits",
			yaml: "name: a\nentry: a.ts\nroutes: []\nlimits: {}\n",
			want: &Manifest{Name: "a", Entry: "a.ts"},
		},
		{
			name: "DocumentMarker",
			yaml: "---\nname: a\nentry: dir/../a.ts\n",
			want: &Manifest{Name: "a", Entry: "dir/../a.ts"},
		}, {
			name: "Container",
			yaml: "name: api\nkind: container\nimage: registry.example.com:5000/team/api:1.4\nport: 8080\nhealth: /healthz\nstop_grace: 2s\nroutes: [/api/*]\negress: [db.internal]\n",
			want: &Manifest{Name: "api", Kind: KindContainer, Image: "registry.example.com:5000/team/api:1.4", Port: 8080, Health: "/healthz", StopGrace: Duration(2 * time.Second),
				Routes: []string{"/api/*"}, Egress: []string{"db.internal"}, Container: &Container{}},
		},
		{
			name: "ContainerSecurityAndLimits",
			yaml: "limits: {memory_mb: 512, pids: 100}\nname: api\nkind: container\nimage: x:1\nport: 80\nsecurity:\n  user: \"1000:2000\"\n  capabilities: [net_admin, CAP_SYS_PTRACE]\n  network: admin\n  user_namespace: true\n  allow_privilege_escalation: true\n  writable_root: true\n  privileged: false\n",
			want: &Manifest{Name: "api", Kind: KindContainer, Image: "x:1", Port: 80, Container: &Container{
				Security: Security{User: "1000:2000", Capabilities: []string{"CAP_NET_ADMIN", "CAP_SYS_PTRACE"}, Network: "admin",
					UserNamespace: true, AllowPrivilegeEscalation: true, WritableRoot: true},
				Limits: ContainerLimits{MemoryMB: 512, Pids: 100}}},
		},
		{
			name: "ContainerVolumesAndNetworks",
			yaml: "name: db\nkind: container\nimage: x:1\nport: 5432\nvolumes:\n  - {name: pgdata, path: /var/lib/pg}\n  - name: conf\n    path: /etc/pg\n    read_only: true\nnetworks: [backend, default]\n",
			want: &Manifest{Name: "db", Kind: KindContainer, Image: "x:1", Port: 5432, Container: &Container{
				Volumes:  []VolumeMount{{Name: "pgdata", Path: "/var/lib/pg"}, {Name: "conf", Path: "/etc/pg", ReadOnly: true}},
				Networks: []string{"backend", "default"}}},
		},
		{
			name: "ExplicitFunction",
			yaml: "name: a\nkind: function\nentry: a.ts\n",
			want: &Manifest{Name: "a", Kind: KindFunction, Entry: "a.ts"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseManifest("vault.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("ParseManifest: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseManifest =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	const head = "name: hello\nentry: index.ts\n"
	tests := []struct {
		name string
		yaml string
		want []string // "line:col: message", one per error, in file order
	}{
		{"EmptyFile", "", []string{`1:1: empty manifest: name and entry are required`}},
		{"OnlyComments", "# nothing\n\n# here\n", []string{`1:1: empty manifest: name and entry are required`}},
		{"NotAMapping", "- a\n- b\n", []string{`1:1: manifest must be a mapping of keys (name, kind, entry, image, port, health, stop_grace, security, volumes, networks, routes, limits, vars, egress)`}},
		{"UnknownKey", head + "colour: red\n", []string{`3:1: unknown key "colour" (known: name, kind, entry, image, port, health, stop_grace, security, volumes, networks, routes, limits, vars, egress)`}},
		{"UnknownKeyIndentedInFlow", "{name: h, entry: x.ts, bogus: 1}", []string{`1:24: unknown key "bogus" (known: name, kind, entry, image, port, health, stop_grace, security, volumes, networks, routes, limits, vars, egress)`}},
		{"MissingName", "entry: index.ts\n", []string{`1:1: missing required key "name"`}},
		{"UnknownKind", "name: a\nkind: vm\nentry: a.ts\n", []string{`2:7: kind "vm": want function or container`}},
		{"ContainerWithoutImageAndPort", "name: a\nkind: container\n", []string{
			`1:1: missing required key "image" (kind: container)`, `1:1: missing required key "port" (kind: container)`}},
		{"ContainerWithFunctionKeys", "name: a\nkind: container\nimage: x:1\nport: 80\nentry: a.ts\nlimits: {cpu_ms: 5}\nvars: {A: b}\n", []string{
			`5:1: entry does not apply to a container`, `6:10: unknown key "cpu_ms" in limits (known: memory_mb, pids, cpu_shares)`, `7:1: vars does not apply to a container`}},
		{"FunctionWithSecurity", head + "security: {privileged: true}\n", []string{`3:1: security is a container's; add kind: container, or remove it`}},
		{"BadSecurity", "name: a\nkind: container\nimage: x:1\nport: 80\nsecurity: {user: app, network: bridge, privileged: yes please, capabilities: [\"net admin\"]}\n", []string{
			`5:18: security.user "app": want UID[:GID] as numbers, such as 1000:1000`, `5:32: security.network "bridge": want none, restricted, admin or host`,
			`5:52: security.privileged must be true or false`, `5:79: capability "net admin" must be a name such as NET_ADMIN`}},
		{"FunctionWithImage", head + "image: x:1\nport: 80\n", []string{
			`3:1: image is a container's; add kind: container, or remove it`, `4:1: port is a container's; add kind: container, or remove it`}},
		{"BadHealth", "name: a\nkind: container\nimage: x:1\nport: 80\nhealth: \"healthz now\"\n", []string{`5:9: health "healthz now" must be a path such as /healthz (at most 256 bytes, no spaces)`}},
		{"BadStopGrace", "name: a\nkind: container\nimage: x:1\nport: 80\nstop_grace: 1h\n", []string{`5:13: stop_grace must be a duration such as 500ms or 10s, at most 5m0s`}},
		{"BadPort", "name: a\nkind: container\nimage: x:1\nport: 70000\n", []string{`4:7: port must be a whole number from 1 to 65535`}},
		{"ImageWithSpace", "name: a\nkind: container\nimage: \"x 1\"\nport: 1\n", []string{`3:8: image "x 1" must be a reference such as registry.example.com/team/api:1.4`}},
		{"VolumeBadPaths", "name: a\nkind: container\nimage: x:1\nport: 1\nvolumes:\n  - {name: a, path: /proc}\n  - {name: b, path: /}\n  - {name: c, path: /sys/fs/cgroup}\n  - {name: d, path: data}\n  - {name: e, path: /data/../dev}\n", []string{
			`6:21: volume path /proc is in /proc, the kernel's and runtime's; choose another such as /data`,
			`7:21: volume path / would hide the image's root filesystem`,
			`8:21: volume path /sys/fs/cgroup is in /sys, the kernel's and runtime's; choose another such as /data`,
			`9:21: volume path "data" must be absolute, such as /data`,
			`10:21: volume path "/data/../dev" must be clean: write /dev`}},
		{"VolumeProblems", "name: a\nkind: container\nimage: x:1\nport: 1\nvolumes:\n  - {name: PG, path: /a}\n  - {name: b}\n  - {name: c, path: /c, size: 5}\n  - {name: c, path: /d, read_only: yes}\n  - {name: e, path: /c}\n  - pgdata\n", []string{
			`6:12: volume name "PG": want 1 to 32 of a-z, 0-9 and -, not starting or ending with -`,
			`7:5: a volume needs path`,
			`8:25: unknown key "size" in volume (known: name, path, read_only)`,
			`9:5: volume c is mounted twice`,
			`9:36: volume read_only must be true or false`,
			`10:5: two volumes are mounted at /c`,
			`11:5: a volume must be a mapping such as {name: pgdata, path: /data}`}},
		{"VolumesNotAList", "name: a\nkind: container\nimage: x:1\nport: 1\nvolumes: {name: a, path: /a}\n", []string{
			`5:10: volumes must be a list such as [{name: pgdata, path: /data}]`}},
		{"NetworkProblems", "name: a\nkind: container\nimage: x:1\nport: 1\nnetworks: [back_end, b, b]\n", []string{
			`5:12: network name "back_end": want 1 to 32 of a-z, 0-9 and -, not starting or ending with -`, `5:25: network b listed twice`}},
		{"NetworksEmpty", "name: a\nkind: container\nimage: x:1\nport: 1\nnetworks: []\n", []string{
			`5:11: networks must be a list of network names such as [backend]`}},
		{"NetworksWithoutBridge", "name: a\nkind: container\nimage: x:1\nport: 1\nsecurity: {network: none}\nnetworks: [b]\n", []string{
			`6:11: networks need network mode restricted or admin, not none (security.network)`}},
		{"FunctionWithVolumes", head + "volumes: [{name: a, path: /a}]\nnetworks: [b]\n", []string{
			`3:1: volumes is a container's; add kind: container, or remove it`, `4:1: networks is a container's; add kind: container, or remove it`}},
		{"FractionalLimit", "name: a\nentry: b.ts\nlimits:\n  cpu_ms: 1.5\n", []string{`4:11: limit cpu_ms must be a positive whole number`}},
		{"DuplicateLimit", "name: a\nentry: b.ts\nlimits:\n  cpu_ms: 1\n  cpu_ms: 2\n", []string{`5:3: duplicate limit "cpu_ms" (first at line 4)`}},
		{"DuplicateVar", "name: a\nentry: b.ts\nvars:\n  A: x\n  A: y\n", []string{`5:3: duplicate var "A" (first at line 4)`}},
		{"SecondDocument", "name: a\nentry: b.ts\n---\nfoo: 1\n", []string{`3:1: a manifest is one YAML document; remove everything from this "---" on`}},
		{"ControlCharInRoute", "name: a\nentry: b.ts\nroutes:\n  - \"/a\\u0000b\"\n", []string{`4:5: route "/a\x00b": path may not contain spaces, control characters, ? or #`}},
		{"MissingEntryAfterBlankLines", "\n\nname: hello\n", []string{`3:1: missing required key "entry"`}},
		{"MissingBoth", "routes: []\n", []string{`1:1: missing required key "name"`, `1:1: missing required key "entry"`}},
		{"DuplicateKey", head + "name: again\n", []string{`3:1: duplicate key "name" (first at line 1)`}},
		{"DuplicateKeyReportedEachTime", head + "entry: b.ts\nentry: c.ts\n", []string{
			`3:1: duplicate key "entry" (first at line 2)`, `4:1: duplicate key "entry" (first at line 2)`,
		}},
		{"NameNull", "name: ~\nentry: index.ts\n", []string{`1:7: name must be a string`}},
		{"NameList", "name: [a]\nentry: index.ts\n", []string{`1:7: name must be a string`}},
		{"NameInvalid", "name: Hello_World\nentry: index.ts\n", []string{
			`1:7: name "Hello_World" must be lower-case letters, digits and dashes, starting with a letter (at most 63)`,
		}},
		{"EntryEmpty", "name: hello\nentry: ''\n", []string{`2:8: entry must not be empty`}},
		{"EntryAbsolute", "name: hello\nentry: /etc/index.ts\n", []string{`2:8: entry "/etc/index.ts" must be a relative path inside the function directory`}},
		{"EntryEscapes", "name: hello\nentry:   src/../../index.ts\n", []string{`2:10: entry "src/../../index.ts" must be a relative path inside the function directory`}},
		{"RoutesNotAList", head + "routes: /a\n", []string{`3:9: routes must be a list of patterns such as "/api/:id" or "example.com/*"`}},
		{"BadRouteAtItem", head + "routes:\n  - /ok\n  - /a/*/b\n", []string{`5:5: route "/a/*/b": * must be the last segment`}},
		{"BadRouteInFlowList", head + "routes: [/ok, \"/a//b\"]\n", []string{`3:15: route "/a//b": empty path segment`}},
		{"RouteListedTwice", head + "routes:\n  - /a/:id\n  - /b\n  - /a/:id\n", []string{`6:5: route "/a/:id" listed twice`}},
		{"RouteSameAfterHostLowercased", head + "routes:\n  - H.example/a\n  - h.EXAMPLE/a\n", []string{`5:5: route "h.EXAMPLE/a" listed twice`}},
		{"RouteNotString", head + "routes:\n  - {a: b}\n  - ~\n", []string{`4:5: route must be a string`, `5:5: route must be a string`}},
		{"LimitsNotAMapping", head + "limits: 5\n", []string{`3:9: limits must be a mapping`}},
		{"NegativeLimit", head + "limits:\n  cpu_ms: -5\n", []string{`4:11: limit cpu_ms must be a positive whole number`}},
		{"ZeroLimit", head + "limits:\n  memory_mb: 0\n", []string{`4:14: limit memory_mb must be a positive whole number`}},
		{"TextLimit", head + "limits:\n  wall_ms: lots\n", []string{`4:12: limit wall_ms must be a positive whole number`}},
		{"QuotedNumberLimit", head + "limits:\n  wall_ms: \"100\"\n", []string{`4:12: limit wall_ms must be a positive whole number`}},
		{"OverflowLimit", head + "limits:\n  request_body_bytes: 99999999999999999999\n", []string{`4:23: limit request_body_bytes must be a positive whole number`}},
		{"UnknownLimit", head + "limits:\n  cpu: 5\n", []string{
			`4:3: unknown key "cpu" in limits (known: cpu_ms, wall_ms, memory_mb, request_body_bytes, response_body_bytes, subrequests, subrequest_response_bytes, subrequest_ms)`,
		}},
		{"EgressNotAList", head + "egress: api.example.com\n", []string{
			`3:9: egress must be a list of hosts such as "api.example.com", "*.example.com:443" or "10.1.0.0/16"`,
		}},
		{"EgressNotString", head + "egress:\n  - [a]\n  - ~\n", []string{`4:5: egress pattern must be a string`, `5:5: egress pattern must be a string`}},
		{"EgressEmpty", head + "egress: ['']\n", []string{`3:10: egress pattern must not be empty`}},
		{"EgressURL", head + "egress:\n  - https://api.example.com/v1\n", []string{
			`4:5: egress pattern "https://api.example.com/v1": write the host only, without a scheme`,
		}},
		{"EgressListedTwice", head + "egress:\n  - a.example\n  - A.Example.\n", []string{`5:5: egress pattern "A.Example." listed twice`}},
		{"EgressSameIPTwice", head + "egress: [\"::ffff:10.0.0.1\", 10.0.0.1]\n", []string{`3:29: egress pattern "10.0.0.1" listed twice`}},
		{"EgressEveryBadPattern", head + `egress:
  - "*"
  - a.*.example.com
  - "*.*.example.com"
  - api.example.com:0
  - api.example.com:70000
  - api.example.com:http
  - 10.1.2.0/16
  - 10.0.0.0/8:443
  - 2130706433
  - 0177.0.0.1
  - 0x7f000001
  - 127.1
  - "[203.0.113.7]"
  - "[fe80::1%25eth0]"
  - "[2001:db8::1"
  - "[2001:db8::1]443"
  - "[example.com]"
  - user@api.example.com
  - bücher.example
  - -a.example
  - a..example
  - "a b.example"
`, []string{
			`4:5: egress pattern "*": * may only stand for the first label, as in *.example.com`,
			`5:5: egress pattern "a.*.example.com": * may only stand for the first label, as in *.example.com`,
			`6:5: egress pattern "*.*.example.com": * may only stand for the first label, as in *.example.com`,
			`7:5: egress pattern "api.example.com:0": port must be a number from 1 to 65535`,
			`8:5: egress pattern "api.example.com:70000": port must be a number from 1 to 65535`,
			`9:5: egress pattern "api.example.com:http": port must be a number from 1 to 65535`,
			`10:5: egress pattern "10.1.2.0/16": bits are set after the /16; did you mean 10.1.0.0/16?`,
			`11:5: egress pattern "10.0.0.0/8:443": not a CIDR block such as 10.1.0.0/16 (paths are not allowed)`,
			`12:5: egress pattern "2130706433": looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7`,
			`13:5: egress pattern "0177.0.0.1": looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7`,
			`14:5: egress pattern "0x7f000001": looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7`,
			`15:5: egress pattern "127.1": looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7`,
			`16:5: egress pattern "[203.0.113.7]": write IPv6 addresses in brackets, such as [2001:db8::1]:443, and IPv4 addresses without`,
			`17:5: egress pattern "[fe80::1%25eth0]": may not contain spaces, control characters, @, ?, #, % or \`,
			`18:5: egress pattern "[2001:db8::1": missing ]`,
			`19:5: egress pattern "[2001:db8::1]443": unexpected "443" after ]`,
			`20:5: egress pattern "[example.com]": not an IPv6 address`,
			`21:5: egress pattern "user@api.example.com": may not contain spaces, control characters, @, ?, #, % or \`,
			`22:5: egress pattern "bücher.example": write internationalized names in their xn-- (punycode) form`,
			`23:5: egress pattern "-a.example": a label may not start or end with -`,
			`24:5: egress pattern "a..example": every dot-separated label must have 1 to 63 characters`,
			`25:5: egress pattern "a b.example": may not contain spaces, control characters, @, ?, #, % or \`,
		}},
		{"ZeroSubrequests", head + "limits:\n  subrequests: 0\n", []string{`4:16: limit subrequests must be a positive whole number`}},
		{"VarsNotAMapping", head + "vars: [A]\n", []string{`3:7: vars must be a mapping of names to strings`}},
		{"VarNotString", head + "vars:\n  A: x\n  B: [1, 2]\n", []string{`5:6: var B must be a string`}},
		{"VarNameEmpty", head + "vars:\n  \"\": x\n", []string{`4:3: var name must not be empty`}},
		{"EveryProblemInFileOrder", "nme: hello\nentry: /abs.ts\nlimits:\n  cpu_ms: -1\n", []string{
			`1:1: unknown key "nme" (known: name, kind, entry, image, port, health, stop_grace, security, volumes, networks, routes, limits, vars, egress)`,
			`1:1: missing required key "name"`,
			`2:8: entry "/abs.ts" must be a relative path inside the function directory`,
			`4:11: limit cpu_ms must be a positive whole number`,
		}},
		// YAML syntax errors carry the line only; the column is always 1.
		{"SyntaxTabIndent", "name: hello\n\tentry: index.ts\n", []string{`2:1: found a tab character that violates indentation`}},
		{"SyntaxMappingInScalar", head + "  bad: indent\n", []string{`3:1: mapping values are not allowed in this context`}},
		{"SyntaxUnterminatedQuote", head + "\n\nvars: 'open\n", []string{`5:1: found unexpected end of stream`}},
		{"SyntaxBadToken", head + "vars: @x\n", []string{`3:1: found character that cannot start any token`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest("fn/vault.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseManifest = %+v, want errors %q", m, tt.want)
			}
			if m != nil {
				t.Errorf("ParseManifest returned %+v with an error", m)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			var pe PosErrors
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not PosErrors", err)
			}
			var got []string
			for _, e := range pe {
				if e.File != "fn/vault.yaml" {
					t.Errorf("error file %q", e.File)
				}
				got = append(got, strings.TrimPrefix(e.Error(), "fn/vault.yaml:"))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			want := "fn/vault.yaml:" + strings.Join(tt.want, "\nfn/vault.yaml:")
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestPosError(t *testing.T) {
	e := &PosError{File: "a/vault.yaml", Line: 3, Col: 7, Msg: "bad"}
	if got := e.Error(); got != "a/vault.yaml:3:7: bad" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, ErrInvalid) || !errors.Is(PosErrors{e}, ErrInvalid) {
		t.Error("PosError and PosErrors must wrap ErrInvalid")
	}
}

// TestLoadManifestGolden loads every testdata/manifests/*/vault.yaml and
// compares the manifest (as JSON) or the error text with want.golden in
// the same directory. Refresh with go test -run LoadManifestGolden -update.
func TestLoadManifestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "manifests", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var got []byte
			m, err := LoadManifest(dir)
			if err != nil {
				got = []byte(err.Error() + "\n")
			} else {
				j, err := json.MarshalIndent(m, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(j, '\n')
			}
			golden := filepath.Join(dir, "want.golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("LoadManifest(%s):\n%s\nwant:\n%s", dir, got, want)
			}
		})
	}
}

func TestLoadManifestMissingFile(t *testing.T) {
	if _, err := LoadManifest(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadManifest(empty dir) = %v, want fs.ErrNotExist", err)
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	d := DefaultLimits()
	if (Limits{}).WithDefaults() != d {
		t.Errorf("zero limits with defaults = %+v, want %+v", (Limits{}).WithDefaults(), d)
	}
	if d.Subrequests != 50 || d.SubrequestBytes != 8<<20 || d.SubrequestMillis != 10000 {
		t.Errorf("subrequest defaults = %d, %d, %d; want 50, 8 MiB, 10000 ms", d.Subrequests, d.SubrequestBytes, d.SubrequestMillis)
	}
	l := Limits{CPUMillis: 1, ResponseBodyBytes: 2, SubrequestMillis: 3}
	want := d
	want.CPUMillis, want.ResponseBodyBytes, want.SubrequestMillis = 1, 2, 3
	if got := l.WithDefaults(); got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	if l.CPUMillis != 1 || l.WallMillis != 0 {
		t.Errorf("WithDefaults changed its receiver: %+v", l)
	}
}

// TestManifestJSONUnchanged pins the encoding of a manifest that uses no
// new field: artifacts built before egress existed must keep their bytes.
func TestManifestJSONUnchanged(t *testing.T) {
	m := Manifest{Name: "a", Entry: "a.ts", Limits: Limits{CPUMillis: 5}}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"a","entry":"a.ts","routes":null,"limits":{"cpu_ms":5}}`
	if string(got) != want {
		t.Errorf("json = %s, want %s", got, want)
	}
}

func TestEgressPatternRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		want EgressPattern
	}{
		{"api.example.com", EgressPattern{Host: "api.example.com"}},
		{"*.example.com:443", EgressPattern{Host: "example.com", Subdomains: true, Port: 443}},
		{"203.0.113.7", EgressPattern{Prefix: netip.MustParsePrefix("203.0.113.7/32")}},
		{"[2001:db8::1]:8443", EgressPattern{Prefix: netip.MustParsePrefix("2001:db8::1/128"), Port: 8443}},
		{"10.1.0.0/16", EgressPattern{Prefix: netip.MustParsePrefix("10.1.0.0/16")}},
		{"::ffff:10.0.0.0/104", EgressPattern{Prefix: netip.MustParsePrefix("10.0.0.0/8")}},
		{"::/0", EgressPattern{Prefix: netip.MustParsePrefix("::/0")}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEgressPattern(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseEgressPattern(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParseEgressPattern(got.String())
			if err != nil || again != got {
				t.Errorf("ParseEgressPattern(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

func TestContainerNetworkNames(t *testing.T) {
	for _, tt := range []struct {
		c    Container
		want []string
	}{
		{Container{}, []string{"default"}},
		{Container{Security: Security{Network: "admin"}}, []string{"default"}},
		{Container{Security: Security{Network: "none"}}, nil},
		{Container{Security: Security{Network: "host"}}, nil},
		{Container{Networks: []string{"backend"}}, []string{"backend"}},
	} {
		if got := tt.c.NetworkNames(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: NetworkNames() = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestCheckVolumePath(t *testing.T) {
	for p, ok := range map[string]bool{
		"/data": true, "/var/lib/pg": true, "/tmp/x": true, "/devices": true, "/process": true, "/system": true,
		"/": false, "": false, "data": false, "/proc": false, "/proc/sys": false, "/sys": false, "/dev": false, "/dev/shm": false,
		"/data/": false, "/a//b": false, "/a/../proc": false, "/a,b": false, "/a:b": false,
	} {
		if err := CheckVolumePath(p); (err == nil) != ok {
			t.Errorf("CheckVolumePath(%q) = %v, want ok %v", p, err, ok)
		}
	}
}
