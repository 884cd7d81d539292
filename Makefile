# kubenet — every target is one line that CI or a developer runs as-is.
GOLANGCI_LINT_VERSION := v2.15.0
ACTIONLINT_VERSION    := v1.7.12
SARIF_MULTITOOL_VERSION := 5.7.0
MERMAID_VERSION := 11.17.2
JSDOM_VERSION   := 29.1.1
NPM_TOOLS = $(BIN)/node_modules/.kubenet-$(SARIF_MULTITOOL_VERSION)-$(MERMAID_VERSION)-$(JSDOM_VERSION)
BIN      := $(CURDIR)/bin
GOLANGCI := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
export GOTOOLCHAIN := local

.PHONY: all build test tools reference vet lint gotest regotest docs golden fuzz fuzz-brief pgo bench check tidy clean release-snapshot

all: build

## build: the kubenet binary in bin/, static like the release binaries (CGO_ENABLED=0: with
## cgo, kustomize's import of Go's plugin package makes the linker export every symbol
## for the dynamic loader, which costs about 25 MB of memory on every run)
build:
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/kubenet ./cmd/kubenet

## test: vet, golangci-lint, the Go tests with the race detector (rule testdata, goldens,
## corpus, Rego unit tests in policies/*_test.rego, and the real clients: pre-commit, the
## Action's steps, actionlint, the SARIF validator, mermaid), then each fuzz target briefly
test: vet lint tools gotest fuzz-brief

## tools: the clients the integration tests drive, into bin/ (pre-commit comes from
## Debian: .ci/run installs it)
tools: $(BIN)/actionlint $(NPM_TOOLS) $(BIN)/goreleaser $(BIN)/cyclonedx-gomod reference

# The reference analyzers whose test cases the agreement tests read (tools/reference/go.mod
# pins them): downloaded into the module cache, not built.
reference:
	cd tools/reference && go mod download github.com/np-guard/netpol-analyzer

# The release tools, at the versions tools/release/go.mod pins.
$(BIN)/goreleaser: tools/release/go.mod
	cd tools/release && go build -o $(BIN)/goreleaser github.com/goreleaser/goreleaser/v2

$(BIN)/cyclonedx-gomod: tools/release/go.mod
	cd tools/release && go build -o $(BIN)/cyclonedx-gomod github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod

## release-snapshot: every release artifact into dist/ (binaries for linux, darwin and
## windows on amd64 and arm64, archives, checksums, SBOMs), published nowhere; the
## container image needs a registry and is built on release only
release-snapshot: $(BIN)/goreleaser $(BIN)/cyclonedx-gomod
	PATH="$(BIN):$$PATH" $(BIN)/goreleaser release --snapshot --clean --skip=publish,ko

$(BIN)/actionlint:
	GOBIN=$(BIN) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# From npm, in one install (npm prunes what a later install does not name): Microsoft's
# SARIF validator, and mermaid's own parser (in a jsdom window) for the pictures.
$(NPM_TOOLS):
	npm install --prefix $(BIN) --no-save --no-audit --no-fund --loglevel=error \
	  @microsoft/sarif-multitool@$(SARIF_MULTITOOL_VERSION) mermaid@$(MERMAID_VERSION) jsdom@$(JSDOM_VERSION)
	touch $@

vet:
	go vet ./...

$(GOLANGCI):
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/golangci-lint $(GOLANGCI)

lint: $(GOLANGCI)
	$(GOLANGCI) run ./...

# -pgo=off: the race-detector build of cmd/kubenet's tests would otherwise compile every
# dependency once more, with the profile (cmd/kubenet/default.pgo) that only the binary
# needs.
gotest:
	go test -race -shuffle=on -pgo=off ./...

## regotest: only the Rego unit tests (policies/*_test.rego), verbosely
regotest:
	go test ./policies -run TestRego -v

## docs: regenerate docs/rules.md from the rules' metadata (a test fails when it is stale)
docs:
	go run ./cmd/kubenet rules --format markdown > docs/rules.md

## golden: refresh golden files after an intended output change
golden:
	go test ./cmd/kubenet -update

## fuzz: fuzz the loader, the helm stdin split, chart rendering, the whole pipeline (load, facts, rules),
## the reading of Rego findings and the escaping of every output. By default each target tries a
## fixed number of inputs (about 10 s here; make test runs it so); FUZZTIME=10m fuzzes each for
## that long instead.
fuzz:
	$(call fuzz1,model,FuzzLoad,2000x)
	$(call fuzz1,model,FuzzHelmStdin,10000x)
	$(call fuzz1,model,FuzzChart,3000x)
	$(call fuzz1,model,FuzzCalicoSelector,10000x)
	$(call fuzz1,rules,FuzzPipeline,200x)
	$(call fuzz1,rules,FuzzTermFinding,10000x)
	$(call fuzz1,report,FuzzEscape,8000x)

# The brief budgets count inputs, not seconds: Go 1.26's fuzzer can report "context
# deadline exceeded" as a failure when a -fuzztime duration runs out while a worker is
# busy (go.dev/issue/75804, fixed in Go 1.27), which a loaded CI machine made happen.
# A count has no deadline. Minimizing a new input is bounded the same way, briefly.
fuzz1 = go test ./$(1) -run '^$$' -fuzz '^$(2)$$' -fuzztime $(or $(FUZZTIME),$(3)) \
	-fuzzminimizetime $(if $(FUZZTIME),10s,100x) $(FUZZCACHEFLAG)

# The fuzzer replays its whole corpus (the seeds and every input it kept in earlier runs)
# before fuzzing: on a machine that keeps its Go cache the corpus grows run after run, and
# the brief runs with it. So make test fuzzes with a corpus cache of its own, thrown away
# after; make fuzz keeps the Go cache's, to build on earlier long runs.
FUZZCACHEFLAG = $(if $(FUZZCACHE),-test.fuzzcachedir=$(FUZZCACHE))
fuzz-brief:
	d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && $(MAKE) --no-print-directory fuzz FUZZTIME= FUZZCACHE="$$d"

## pgo: regenerate cmd/kubenet/default.pgo, the CPU profile that go build and go install
## optimize the binary with (profile-guided optimization), from lint and reach over the
## generated clusters
pgo:
	bash tools/pgo.sh

## bench: the benchmarks (BENCH=regexp to pick, COUNT=6 for benchstat); see docs/performance.md
BENCH ?= .
COUNT ?= 1
bench:
	go test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime 3x -count $(COUNT) ./...

check: test docs
	git diff --exit-code docs go.mod go.sum

tidy:
	go mod tidy

clean:
	rm -rf $(BIN)
