# Vault: `make run` starts a node with examples/hello deployed; `make test`
# runs lint, unit and integration tests.

# bash, not sh: make test needs pipefail.
SHELL       := bash
GO          ?= go
BIN         := bin/vault
DATA        ?= .vault
# make run's throwaway operator: its own config directory and a passphrase
# written here, so it never prompts and never touches ~/.config/vault.
DEV_CONFIG     ?= .vault-config
DEV_PASSPHRASE ?= make-run-throwaway
LISTEN      ?= 127.0.0.1:8080
NATS_LISTEN ?= 127.0.0.1:4222
ADMIN_LISTEN ?= 127.0.0.1:9090
SERVER      := nats://$(NATS_LISTEN)
GOBIN       := $(shell $(GO) env GOPATH)/bin
H2SPEC_LISTEN  ?= 127.0.0.1:18080
H2SPEC_NATS    ?= 127.0.0.1:14222
FUZZTIME    ?= 30s
BENCHTIME   ?= 1s

PEERS_CACHE ?= $(HOME)/.cache/vault-peers
DENO        := $(PEERS_CACHE)/node_modules/@deno/linux-x64-glibc/deno

.PHONY: build run test unit integration lint bench bench-peers bench-multinode bench-images bench-containers h2spec fuzz tools clean

build:
	$(GO) build -o $(BIN) .

# Initialises $(DATA) once (the operator key goes to $(DEV_CONFIG); the keys
# are encrypted with $(DEV_PASSPHRASE) at the cheapest scrypt cost, since the
# passphrase is no secret), starts a node, deploys and activates
# examples/hello, and keeps the node in the foreground until Ctrl-C, which
# drains it.
run: build
	@set -e; export VAULT_CONFIG=$(DEV_CONFIG) VAULT_PASSPHRASE=$(DEV_PASSPHRASE); \
	[ -f $(DATA)/genesis.dsse ] || ./$(BIN) init --data $(DATA) --key-work-factor 10; \
	./$(BIN) serve --data $(DATA) --listen $(LISTEN) --nats-listen $(NATS_LISTEN) --admin-listen $(ADMIN_LISTEN) & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid' INT TERM EXIT; \
	for i in $$(seq 300); do \
		./$(BIN) ls --server $(SERVER) >/dev/null 2>&1 && break; \
		kill -0 $$pid 2>/dev/null || exit 1; sleep 0.1; \
	done; \
	ref=$$(./$(BIN) deploy examples/hello --server $(SERVER) | cut -d' ' -f1); \
	./$(BIN) activate $$ref --server $(SERVER); \
	echo; echo "examples/hello is live: curl --http2-prior-knowledge http://$(LISTEN)/"; \
	echo "Deploy your own: export VAULT_CONFIG=$(DEV_CONFIG) VAULT_PASSPHRASE=$(DEV_PASSPHRASE) VAULT_SERVER=$(SERVER)"; \
	echo "  ./$(BIN) deploy ./myfn && ./$(BIN) activate myfn@v1 && ./$(BIN) ls"; \
	echo "Or start a function of your own with a live reload: ./$(BIN) new myapp && ./$(BIN) dev myapp"; \
	echo "Ctrl-C stops the node."; echo; \
	wait $$pid

# Every package, with the race detector, never from the cache; the output
# is go test's own, followed by "N passed, N failed, N skipped". With CI set
# (CI=true) a skipped test fails the run (.ci/testsummary). pipefail keeps
# go test's exit status.
test: lint
	@$(GO) build -o bin/testsummary ./.ci/testsummary
	set -o pipefail; $(GO) test -race -count=1 -json ./... ./.ci/testsummary | bin/testsummary

unit:
	$(GO) test -short -count=1 ./...

integration: build
	$(GO) test -count=1 -v ./integration/

# staticcheck and h2spec, their versions and all their dependencies pinned
# in .ci/tools/go.mod and go.sum; quick when they are installed already.
tools:
	@GO=$(GO) GOBIN=$(GOBIN) .ci/tools/install

# h2spec (RFC 9113 and HPACK conformance, 145 cases) against a throwaway
# node serving examples/hello over h2c. edge/h2's TestH2Spec also runs it,
# over h2c and TLS, in `make test`.
h2spec: build tools
	@set -e; dir=$$(mktemp -d); trap 'kill -TERM $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf $$dir' EXIT; \
	export VAULT_CONFIG=$$dir/config VAULT_PASSPHRASE=h2spec; \
	./$(BIN) init --data $$dir/data --key-work-factor 10 >/dev/null; \
	./$(BIN) serve --data $$dir/data --listen $(H2SPEC_LISTEN) --nats-listen $(H2SPEC_NATS) --admin-listen '' >$$dir/node.log 2>&1 & pid=$$!; \
	for i in $$(seq 300); do ./$(BIN) ls --server nats://$(H2SPEC_NATS) >/dev/null 2>&1 && break; \
		kill -0 $$pid 2>/dev/null || { cat $$dir/node.log; exit 1; }; sleep 0.1; done; \
	./$(BIN) deploy examples/hello --server nats://$(H2SPEC_NATS) >/dev/null; \
	./$(BIN) activate hello@v1 --wait --server nats://$(H2SPEC_NATS) >/dev/null; \
	listen=$(H2SPEC_LISTEN); $(GOBIN)/h2spec -h $${listen%:*} -p $${listen##*:} -P /

lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./... ./.ci/testsummary
	$(GOBIN)/staticcheck ./... ./.ci/testsummary

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

# Deno's Deno.serve against a Vault node, the same functions (hello world; a
# 4 KB JSON transform), the same h2load runs (alternating, -c 16 -m 16);
# prints req/s, p50, p99 and the ratio for each. Deno comes from npm into
# $(PEERS_CACHE); h2load from Debian's nghttp2-client.
bench-peers: build deno peers-deps
	@command -v h2load >/dev/null || { echo "bench-peers needs h2load: apt-get install nghttp2-client"; exit 1; }
	@out=$(PEERS_CACHE)/bench-peers.out; \
	VAULT_BENCH_DENO=$(DENO) $(GO) test -run='^$$' -bench='^BenchmarkPeers$$' -benchtime=1x -timeout=60m -v ./integration/ > $$out 2>&1; \
	status=$$?; grep -E 'round|median|check|Benchmark|ok|FAIL|Error|panic' $$out; exit $$status

# The npm packages of make bench-peers' apps, as their lockfiles pin them.
PEERS_APPS := $(sort $(dir $(wildcard examples/peers/*/package-lock.json)))
peers-deps:
	@set -e; for app in $(PEERS_APPS); do echo "npm ci in $$app"; (cd $$app && npm ci --no-audit --no-fund); done

# Deno at a pinned version (npm's @deno/linux-x64-glibc) in $(PEERS_CACHE):
# the peer TestDiffDeno compares Vault with. Reinstalled only when the
# version there is another.
DENO_VERSION ?= 2.9.6
DIFF_APPS    := $(sort $(dir $(wildcard integration/testdata/diff/*/package-lock.json)))

.PHONY: deno diff-deps diff-peers peers-deps mcp-inspector

deno:
	@[ -x $(DENO) ] && [ "$$($(DENO) --version | head -1 | cut -d' ' -f2)" = "$(DENO_VERSION)" ] || \
		npm install --no-audit --no-fund --prefix $(PEERS_CACHE) @deno/linux-x64-glibc@$(DENO_VERSION)

# The MCP Inspector's CLI at a pinned version in $(MCP_CACHE): the real MCP
# client integration/mcp_test.go drives vault mcp with. 1.0.3 runs on Node
# 20 (newer versions need Node 22). Reinstalled only when the version there
# is another.
MCP_INSPECTOR_VERSION ?= 1.0.3
MCP_CACHE             ?= $(HOME)/.cache/vault-mcp
MCP_INSPECTOR_PKG     := $(MCP_CACHE)/node_modules/@modelcontextprotocol/inspector/package.json

mcp-inspector:
	@[ -f $(MCP_INSPECTOR_PKG) ] && [ "$$(node -p 'require("$(MCP_INSPECTOR_PKG)").version')" = "$(MCP_INSPECTOR_VERSION)" ] || \
		npm install --no-audit --no-fund --prefix $(MCP_CACHE) @modelcontextprotocol/inspector@$(MCP_INSPECTOR_VERSION)

# The npm packages of the differential suite's apps, exactly as each
# app's committed package-lock.json pins them.
diff-deps:
	@set -e; for app in $(DIFF_APPS); do echo "npm ci in $$app"; (cd $$app && npm ci --no-audit --no-fund); done

# The differential suite against Deno alone (issue 16): real apps on npm
# packages, the same bundle on a Vault node and on Deno, every answer
# compared; and the suite against itself (a second Deno in Vault's
# place), which must match everywhere. `make test` runs both.
diff-peers: deno diff-deps
	VAULT_DIFF_DENO=$(DENO) $(GO) test -count=1 -run '^TestDiffDeno' -v ./integration/

# Multi-node benchmarks on loopback (issue 7): BenchmarkPropagation (one hub,
# two edges, 100 activations: acknowledgement to served on every edge, goal
# p99 < 100 ms) and BenchmarkCatchUp (an edge that missed 10,000 records,
# goal > 10,000 records/s). `make bench` skips them: they take a minute or
# two. The per-activation table goes to $(MULTINODE_OUT).
MULTINODE_OUT ?= bin/bench-multinode.out
bench-multinode:
	@mkdir -p $(dir $(MULTINODE_OUT)); VAULT_BENCH_MULTINODE=1 $(GO) test -run='^$$' -bench='Propagation|CatchUp' -benchtime=1x -timeout=30m -v ./integration/ > $(MULTINODE_OUT) 2>&1; \
	status=$$?; grep -vE '^ +[0-9]+ +[0-9]+ +[12] ' $(MULTINODE_OUT); exit $$status

# Image pulls from a real registry on loopback (issue 20): pull and unpack
# times of the busybox test image and of a 200 MB one, and what a second
# image sharing a base layer adds to the store. Needs make tools (the
# registry) and busybox-static.
bench-images: build tools
	VAULT_BENCH_IMAGES=1 $(GO) test -run='^$$' -bench='^BenchmarkImages$$' -benchtime=1x -timeout=20m -v ./integration/

# Containers with real runc, as root (issue 21): activation to first answer,
# proxied throughput against the container straight, pause/resume, node
# memory per idle container. Needs runc, busybox-static and h2load.
bench-containers: build
	VAULT_BENCH_CONTAINERS=1 $(GO) test -run='^$$' -bench='^BenchmarkContainers$$' -benchtime=1x -timeout=20m -v ./integration/

# Runs every fuzz target for $(FUZZTIME); corpus seeds live in testdata/fuzz.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

clean:
	rm -rf bin
