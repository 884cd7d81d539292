package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestReleaseConfig: the release builds every platform the Action downloads for, and
// the image is minimal and does not run as root.
func TestReleaseConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	require.NoError(t, err)
	var cfg struct {
		Builds []struct {
			Goos, Goarch []string
			Ldflags      []string
		}
		Kos []struct {
			BaseImage string `yaml:"base_image"`
			Platforms []string
		}
		Checksum struct{ Algorithm string }
		Sboms    []struct{ Cmd string }
	}
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	require.Len(t, cfg.Builds, 1)
	assert.ElementsMatch(t, []string{"linux", "darwin", "windows"}, cfg.Builds[0].Goos)
	assert.ElementsMatch(t, []string{"amd64", "arm64"}, cfg.Builds[0].Goarch)
	assert.Contains(t, cfg.Builds[0].Ldflags[0], "-X main.version={{ .Version }} -X main.commit={{ .ShortCommit }}")
	require.Len(t, cfg.Kos, 1)
	assert.True(t, strings.HasPrefix(cfg.Kos[0].BaseImage, "gcr.io/distroless/static") && strings.HasSuffix(cfg.Kos[0].BaseImage, ":nonroot"), cfg.Kos[0].BaseImage)
	assert.Equal(t, "sha256", cfg.Checksum.Algorithm, "the Action verifies sha256")
	require.Len(t, cfg.Sboms, 1)
}

// TestReleaseSnapshot runs the release (goreleaser --snapshot) for this machine's
// platform, as make release-snapshot runs it for all of them: the archive holds a
// binary that runs and says its version and commit, checksums.txt matches every
// artifact, and the SBOM is CycloneDX. The Action's download names the same archive.
func TestReleaseSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release; not in -short")
	}
	goreleaser := requireTool(t, "goreleaser")
	requireTool(t, "cyclonedx-gomod")
	requireTool(t, "git")
	if runtime.GOOS != "linux" {
		t.Skip("the snapshot's binary is checked on linux")
	}
	// goreleaser reads the repository's git state (a remote, the commit): release a
	// snapshot of the work tree as it is, with a remote.
	src, _ := snapshot(t)
	out, code := sh(t, src, gitEnv, "git", "remote", "add", "origin", "https://github.com/kubenet/kubenet.git")
	require.Equal(t, 0, code, out)
	data, err := os.ReadFile(filepath.Join(src, ".goreleaser.yaml"))
	require.NoError(t, err)
	// This platform only: every platform is make release-snapshot's (minutes each).
	dist := t.TempDir()
	cfg := strings.Replace(string(data), "goos: [linux, darwin, windows]", "goos: [linux]", 1)
	cfg = strings.Replace(cfg, "goarch: [amd64, arm64]", "goarch: ["+runtime.GOARCH+"]", 1)
	require.NotEqual(t, string(data), cfg)
	cfg += "dist: " + dist + "\n"
	config := filepath.Join(t.TempDir(), "goreleaser.yaml")
	require.NoError(t, os.WriteFile(config, []byte(cfg), 0o644))
	env := []string{"PATH=" + filepath.Join(repoRoot, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")}
	out, code = sh(t, src, env, goreleaser, "release", "--snapshot", "--clean", "--skip=publish,ko", "--config", config)
	require.Equal(t, 0, code, out)

	checksums, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	require.NoError(t, err)
	sums := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(checksums)), "\n") {
		sum, name, ok := strings.Cut(l, "  ")
		require.True(t, ok, l)
		sums[name] = sum
	}
	var archive string
	for name, sum := range sums {
		b, err := os.ReadFile(filepath.Join(dist, name))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256(b)), sum, name)
		if strings.HasSuffix(name, "_linux_"+runtime.GOARCH+".tar.gz") {
			archive = name
		}
	}
	require.NotEmpty(t, archive, "the archive the Action downloads: %v", sums)
	assert.Regexp(t, `^kubenet_\d+\.\d+\.\d+-snapshot_linux_`+runtime.GOARCH+`\.tar\.gz$`, archive)

	sbom := "kubenet_linux_" + runtime.GOARCH + ".cdx.json"
	require.Contains(t, sums, sbom)
	var bom struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name string `json:"name"`
		} `json:"components"`
	}
	b, err := os.ReadFile(filepath.Join(dist, sbom))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &bom))
	assert.Equal(t, "CycloneDX", bom.BOMFormat)
	var names []string
	for _, c := range bom.Components {
		names = append(names, c.Name)
	}
	assert.Contains(t, names, "github.com/open-policy-agent/opa", "the modules linked in")

	bin := filepath.Join(t.TempDir(), "kubenet")
	f, err := os.Open(filepath.Join(dist, archive))
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var members []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		members = append(members, h.Name)
		if h.Name == "kubenet" {
			w, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
			require.NoError(t, err)
			_, err = io.Copy(w, tr)
			require.NoError(t, err)
			require.NoError(t, w.Close())
		}
	}
	assert.ElementsMatch(t, []string{"kubenet", "README.md"}, members)
	out, code = sh(t, repoRoot, nil, bin, "--version")
	require.Equal(t, 0, code, out)
	assert.Regexp(t, `^kubenet version \d+\.\d+\.\d+-snapshot \(commit [0-9a-f]{7,}\)\n$`, out)
	out, code = sh(t, repoRoot, nil, bin, "lint", "--no-color", "examples/shop")
	assert.Equal(t, exitFindings, code, out)
	assert.Contains(t, out, "service-selector-orphaned", "the released binary lints")
}
