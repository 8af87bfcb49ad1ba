package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

const (
	// configFile is read from the working directory.
	configFile = "dorm.yaml"
	// envDatabaseURL names the variable that holds the database URL.
	envDatabaseURL = "DORM_DATABASE_URL"

	defaultSchemas = "schemas"
	defaultURL     = "sqlite:file:dorm.db"
)

// fileConfig is the content of dorm.yaml.
type fileConfig struct {
	Schemas  string `yaml:"schemas"`  // directory of entity files
	Database string `yaml:"database"` // database URL
}

// readConfig reads ./dorm.yaml; a missing file is an empty config.
func readConfig() (fileConfig, error) {
	var c fileConfig
	data, err := os.ReadFile(configFile)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("%s: %w", configFile, err)
	}
	return c, nil
}

// schemasDir returns --schemas, else schemas: of dorm.yaml, else ./schemas.
func schemasDir(cmd *cobra.Command) (string, error) {
	if f := cmd.Flags().Lookup("schemas"); f != nil && f.Changed {
		return f.Value.String(), nil
	}
	c, err := readConfig()
	if err != nil {
		return "", err
	}
	if c.Schemas != "" {
		return c.Schemas, nil
	}
	return defaultSchemas, nil
}

// databaseURL returns --db, else $DORM_DATABASE_URL, else database: of dorm.yaml, else
// sqlite:file:dorm.db.
func databaseURL(cmd *cobra.Command) (string, error) {
	if f := cmd.Flags().Lookup("db"); f != nil && f.Changed {
		return f.Value.String(), nil
	}
	if u := os.Getenv(envDatabaseURL); u != "" {
		return u, nil
	}
	c, err := readConfig()
	if err != nil {
		return "", err
	}
	if c.Database != "" {
		return c.Database, nil
	}
	return defaultURL, nil
}

func addSchemasFlag(cmd *cobra.Command) {
	cmd.Flags().String("schemas", "", `directory of entity files (default: "schemas:" in ./dorm.yaml, else ./schemas)`)
}

func addDBFlag(cmd *cobra.Command) {
	cmd.Flags().String("db", "", "database URL (default: $"+envDatabaseURL+`, else "database:" in ./dorm.yaml, else `+defaultURL+")")
}
