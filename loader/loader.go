package loader

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dorm-go/dorm/schema"
)

// Option configures a load.
type Option func(*options)

type options struct {
	naming schema.Naming
}

// WithNaming sets the naming strategy that derives the table, column, join column and pivot
// names an entity file leaves out. The default is [schema.UnderscoreNaming].
func WithNaming(n schema.Naming) Option {
	return func(o *options) {
		if n != nil {
			o.naming = n
		}
	}
}

func newOptions(opts []Option) options {
	o := options{naming: schema.UnderscoreNaming{}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// isEntityFile reports whether name has an entity file extension: .yaml, .yml or .json.
func isEntityFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// source is the content of one entity file and the name used for it in errors.
type source struct {
	name string
	data []byte
	err  error
}

// LoadDir loads every entity file (*.yaml, *.yml, *.json) under dir, recursively, in sorted
// order. Files and directories whose names start with "." are skipped. Positions in errors name
// the files as dir joined with their path below it.
func LoadDir(dir string, opts ...Option) (*schema.Registry, error) {
	var srcs []source
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isEntityFile(p) {
			data, err := os.ReadFile(p)
			srcs = append(srcs, source{name: p, data: data, err: err})
		}
		return nil
	})
	if err != nil {
		return nil, ErrorList{{Pos: schema.Pos{File: dir}, Msg: "cannot read directory: " + unwrapPath(err), Err: err}}
	}
	if len(srcs) == 0 {
		return nil, ErrorList{{Pos: schema.Pos{File: dir}, Msg: "no entity files (*.yaml, *.yml, *.json) in directory"}}
	}
	slices.SortFunc(srcs, func(a, b source) int { return strings.Compare(a.name, b.name) })
	return load(srcs, newOptions(opts))
}

// LoadFS loads the entity files in fsys that match pattern (see [fs.Glob]), for example an
// [embed.FS] and "schemas/*.yaml". A match that is a directory is loaded like [LoadDir] loads
// one. It is an error when nothing matches.
func LoadFS(fsys fs.FS, pattern string, opts ...Option) (*schema.Registry, error) {
	matches, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, ErrorList{{Msg: fmt.Sprintf("bad pattern %q: %v", pattern, err), Err: err}}
	}
	if len(matches) == 0 {
		return nil, ErrorList{{Msg: fmt.Sprintf("no entity files match %q", pattern)}}
	}
	var srcs []source
	for _, m := range matches {
		err := fs.WalkDir(fsys, m, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				srcs = append(srcs, source{name: p, err: err})
				return nil
			}
			if d.IsDir() {
				if p != m && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if p == m || (isEntityFile(p) && !strings.HasPrefix(d.Name(), ".")) {
				data, err := fs.ReadFile(fsys, p)
				srcs = append(srcs, source{name: p, data: data, err: err})
			}
			return nil
		})
		if err != nil {
			srcs = append(srcs, source{name: m, err: err})
		}
	}
	if len(srcs) == 0 {
		return nil, ErrorList{{Msg: fmt.Sprintf("no entity files match %q", pattern)}}
	}
	slices.SortFunc(srcs, func(a, b source) int { return strings.Compare(a.name, b.name) })
	srcs = slices.CompactFunc(srcs, func(a, b source) bool { return a.name == b.name })
	return load(srcs, newOptions(opts))
}

// LoadFiles loads the named entity files, in the order given, with the default options.
// Positions in errors name the files as given. [LoadFilesWith] takes options.
func LoadFiles(paths ...string) (*schema.Registry, error) {
	return LoadFilesWith(paths)
}

// LoadFilesWith is [LoadFiles] with options.
func LoadFilesWith(paths []string, opts ...Option) (*schema.Registry, error) {
	if len(paths) == 0 {
		return nil, ErrorList{{Msg: "no entity files given"}}
	}
	srcs := make([]source, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		srcs[i] = source{name: p, data: data, err: err}
	}
	return load(srcs, newOptions(opts))
}

// unwrapPath returns the message of a *fs.PathError without the operation and path, which the
// error's position already names.
func unwrapPath(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// load parses, validates and resolves srcs.
func load(srcs []source, o options) (*schema.Registry, error) {
	var errs ErrorList
	var docs []*document
	for _, s := range srcs {
		if s.err != nil {
			errs = append(errs, &Error{Pos: schema.Pos{File: s.name}, Msg: "cannot read file: " + unwrapPath(s.err), Err: s.err})
			continue
		}
		for _, d := range parseFile(s.name, s.data, &errs) {
			validate(d, &errs)
			docs = append(docs, d)
		}
	}
	r := &resolver{naming: o.naming, errs: errs}
	reg := r.resolve(docs)
	if len(r.errs) > 0 {
		return nil, r.errs.sort()
	}
	return reg, nil
}
