package analyzer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/model"
)

// TestConfigMapRefsReadAgain: the references found in ConfigMap values sit at the same
// lines and columns when the loader lets go of the files (model.Options.KeepSource)
// and they are read again, one after the other, as when the files are held.
func TestConfigMapRefsReadAgain(t *testing.T) {
	cm := func(name, eol string) string {
		return "apiVersion: v1" + eol + "kind: ConfigMap" + eol + "metadata:" + eol + "  name: " + name + eol +
			"  namespace: shop" + eol + "data:" + eol + "  DB_HOST: postgres.shop.svc" + eol +
			"  app.conf: |" + eol + "    # the cache" + eol + "    cache = http://redis.shop.svc:6379/0" + eol +
			"    queue =   kafka.shop.svc:9092" + eol
	}
	root := t.TempDir()
	for name, body := range map[string]string{
		"a.yaml": cm("a", "\n") + "---\n" + cm("b", "\n"),
		"b.yaml": "\xef\xbb\xbf" + cm("c", "\n"),
		"c.yaml": cm("d", "\r\n"),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(body), 0o644))
	}
	positions := func(opts model.Options) []model.Pos {
		g, err := model.Load(opts, root)
		require.NoError(t, err)
		var out []model.Pos
		for _, r := range New(g, Config{}).references() {
			out = append(out, r.Pos)
		}
		return out
	}
	held := positions(model.Options{})
	require.Len(t, held, 12, "three references in each of four ConfigMaps")
	assert.Equal(t, model.Pos{File: filepath.Join(root, "a.yaml"), Line: 10, Column: 13}, held[1], "a column inside a literal block")
	assert.Equal(t, held, positions(model.Options{KeepSource: func([]byte) bool { return false }}))
}
