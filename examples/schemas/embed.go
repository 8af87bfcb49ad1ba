// Package schemas embeds the example entity files (Author, Book, BookTag, Publisher) that the
// docs, the demo and the conformance suite use.
package schemas

import "embed"

// FS holds the example entity files; load them with loader.LoadFS(schemas.FS, "*.yaml").
//
//go:embed *.yaml
var FS embed.FS
