package schema

import _ "embed"

// JSONSchema is the JSON Schema (draft-07) of the entity file format, as in
// schema/entity.schema.json. Package loader validates every entity file against it; editors use
// the file itself, for example with a comment on the first line of a YAML entity file:
//
//	# yaml-language-server: $schema=../../schema/entity.schema.json
//
//go:embed entity.schema.json
var JSONSchema []byte
