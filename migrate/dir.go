package migrate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// File names in a migration directory.
const (
	SumFile      = "dorm.sum"
	SnapshotFile = "dorm.snapshot.json"
	// VersionLayout is the layout of a version: a UTC timestamp.
	VersionLayout = "20060102150405"
)

// Dir is a migration directory: <version>_<name>.up.sql and .down.sql pairs, the sum file
// dorm.sum (a hash per file and one over the directory) and the snapshot of the entity model
// as of the last migration, dorm.snapshot.json.
type Dir struct{ Path string }

// Migration is one migration of a directory.
type Migration struct {
	Version  string
	Name     string
	Up, Down string // the scripts
	// Checksum hashes the up and down scripts; an applied migration whose checksum changed
	// has been edited.
	Checksum string
}

// ErrChecksum is matched by errors about a directory that does not match its sum file.
var ErrChecksum = errors.New("migrate: migration directory does not match " + SumFile)

var fileRE = regexp.MustCompile(`^(\d{14})_([A-Za-z0-9_\-]+)\.(up|down)\.sql$`)

// Migrations returns the migrations of d in version order, after checking the files
// against the sum file. A missing directory has none.
func (d Dir) Migrations() ([]*Migration, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := d.Verify(); err != nil {
		return nil, err
	}
	byVersion := map[string]*Migration{}
	for _, e := range entries {
		m := fileRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(d.Path, e.Name()))
		if err != nil {
			return nil, err
		}
		mig := byVersion[m[1]]
		if mig == nil {
			mig = &Migration{Version: m[1], Name: m[2]}
			byVersion[m[1]] = mig
		} else if mig.Name != m[2] {
			return nil, fmt.Errorf("migrate: %s: two migrations with version %s (%s and %s)", d.Path, m[1], mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.Up = string(data)
		} else {
			mig.Down = string(data)
		}
	}
	out := make([]*Migration, 0, len(byVersion))
	for _, m := range byVersion {
		m.Checksum = hash([]byte(m.Up), []byte{0}, []byte(m.Down))
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// FileBase returns the file name of m without ".up.sql".
func (m *Migration) FileBase() string { return m.Version + "_" + m.Name }

func hash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// sumFiles returns the files the sum covers, sorted.
func (d Dir) sumFiles() ([]string, error) {
	entries, err := os.ReadDir(d.Path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if fileRE.MatchString(e.Name()) || e.Name() == SnapshotFile {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// Sum computes the content of the sum file: the hash over the directory on the first line,
// then "<file> <hash>" per file.
func (d Dir) Sum() ([]byte, error) {
	files, err := d.sumFiles()
	if err != nil {
		return nil, err
	}
	var lines bytes.Buffer
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(d.Path, f))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&lines, "%s %s\n", f, hash(data))
	}
	return append([]byte(hash(lines.Bytes())+"\n"), lines.Bytes()...), nil
}

// WriteSum rewrites the sum file.
func (d Dir) WriteSum() error {
	sum, err := d.Sum()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d.Path, SumFile), sum, 0o644)
}

// Verify checks the files of d against the sum file; a directory without migrations needs
// none. The error names the files that were added, removed or edited.
func (d Dir) Verify() error {
	want, err := d.Sum()
	if err != nil {
		return err
	}
	have, err := os.ReadFile(filepath.Join(d.Path, SumFile))
	if errors.Is(err, fs.ErrNotExist) {
		files, _ := d.sumFiles()
		if len(files) == 0 {
			return nil
		}
		return fmt.Errorf("%w: %s is missing (files were written by hand? run dorm migrate create to generate them)", ErrChecksum, filepath.Join(d.Path, SumFile))
	}
	if err != nil {
		return err
	}
	if bytes.Equal(want, have) {
		return nil
	}
	parse := func(b []byte) map[string]string {
		m := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		first := true
		for sc.Scan() {
			if first {
				first = false
				continue
			}
			f, h, _ := strings.Cut(sc.Text(), " ")
			m[f] = h
		}
		return m
	}
	w, h := parse(want), parse(have)
	var diffs []string
	for f, x := range w {
		if y, ok := h[f]; !ok {
			diffs = append(diffs, f+" (added)")
		} else if x != y {
			diffs = append(diffs, f+" (edited)")
		}
	}
	for f := range h {
		if _, ok := w[f]; !ok {
			diffs = append(diffs, f+" (removed)")
		}
	}
	sort.Strings(diffs)
	if len(diffs) == 0 {
		diffs = []string{SumFile + " (edited)"}
	}
	return fmt.Errorf("%w: %s", ErrChecksum, strings.Join(diffs, ", "))
}

// Snapshot returns the snapshot of the entity model saved with the last migration, or
// false when there is none.
func (d Dir) Snapshot() (*Schema, bool, error) {
	data, err := os.ReadFile(filepath.Join(d.Path, SnapshotFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, false, fmt.Errorf("migrate: %s: %w", filepath.Join(d.Path, SnapshotFile), err)
	}
	return &s, true, nil
}

// Create writes a new migration (up and down scripts) and the snapshot, and rewrites the
// sum file. The version is now (UTC), or one second after the last version when that is
// not later.
func (d Dir) Create(name, up, down string, snapshot *Schema, now time.Time) (*Migration, error) {
	if !regexp.MustCompile(`^[A-Za-z0-9_\-]+$`).MatchString(name) {
		return nil, fmt.Errorf("migrate: migration name %q: use letters, digits, _ and -", name)
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return nil, err
	}
	existing, err := d.Migrations()
	if err != nil {
		return nil, err
	}
	t := now.UTC().Truncate(time.Second)
	if n := len(existing); n > 0 {
		last, err := time.Parse(VersionLayout, existing[n-1].Version)
		if err == nil && !t.After(last) {
			t = last.Add(time.Second)
		}
	}
	m := &Migration{Version: t.Format(VersionLayout), Name: name, Up: up, Down: down}
	m.Checksum = hash([]byte(m.Up), []byte{0}, []byte(m.Down))
	snap, err := json.MarshalIndent(snapshot, "", "  ")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{m.FileBase() + ".up.sql", []byte(up)}, {m.FileBase() + ".down.sql", []byte(down)}, {SnapshotFile, append(snap, '\n')}} {
		if err := os.WriteFile(filepath.Join(d.Path, f.name), f.data, 0o644); err != nil {
			return nil, err
		}
	}
	return m, d.WriteSum()
}
