//go:build tools

// Package dorm pins dependencies until the packages that use them exist.
package dorm
import (
 _ "gopkg.in/yaml.v3"
 _ "github.com/santhosh-tekuri/jsonschema/v5"
 _ "modernc.org/sqlite"
 _ "github.com/spf13/cobra"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/google/uuid"
)
