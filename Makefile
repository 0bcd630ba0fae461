# Vault: `make run` starts a node with examples/hello deployed; `make test`
# runs lint, unit and integration tests.

GO          ?= go
BIN         := bin/vault
DATA        ?= .vault
LISTEN      ?= 127.0.0.1:8080
NATS_LISTEN ?= 127.0.0.1:4222
SERVER      := nats://$(NATS_LISTEN)
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
FUZZTIME    ?= 30s
BENCHTIME   ?= 1s

.PHONY: build run test unit integration lint bench fuzz tools clean

build:
	$(GO) build -o $(BIN) .

# Initialises $(DATA) once (the operator key goes to $$VAULT_CONFIG, by default
# ~/.config/vault), starts a node, deploys and activates examples/hello, and
# keeps the node in the foreground until Ctrl-C, which drains it.
run: build
	@set -e; \
	[ -f $(DATA)/genesis.dsse ] || ./$(BIN) init --data $(DATA); \
	./$(BIN) serve --data $(DATA) --listen $(LISTEN) --nats-listen $(NATS_LISTEN) & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid' INT TERM; \
	for i in $$(seq 300); do \
		./$(BIN) ls --server $(SERVER) >/dev/null 2>&1 && break; \
		kill -0 $$pid 2>/dev/null || exit 1; sleep 0.1; \
	done; \
	ref=$$(./$(BIN) deploy examples/hello --server $(SERVER) | cut -d' ' -f1); \
	./$(BIN) activate $$ref --server $(SERVER); \
	echo; echo "examples/hello is live: curl --http2-prior-knowledge http://$(LISTEN)/"; \
	echo "Deploy your own: ./$(BIN) deploy ./myfn && ./$(BIN) activate myfn@v1 && ./$(BIN) ls"; \
	echo "Ctrl-C stops the node."; echo; \
	wait $$pid

test: lint
	$(GO) test -race -count=1 ./...

unit:
	$(GO) test -short -count=1 ./...

integration: build
	$(GO) test -count=1 -v ./integration/

tools:
	@[ -x $(GOBIN)/staticcheck ] && $(GOBIN)/staticcheck -version | grep -q '(0.8.2)' || \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

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
