package loader

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzLoad checks that loading any file never panics and returns a registry or an error.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"../examples/schemas/*.yaml", "testdata/bad/*.yaml", "testdata/json/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b, *b]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"e.yaml": {Data: data}}
		reg, err := LoadFS(fsys, "e.yaml")
		if (reg == nil) == (err == nil) {
			t.Fatalf("got registry %v and error %v", reg, err)
		}
	})
}
