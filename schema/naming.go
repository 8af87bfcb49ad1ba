package schema

import (
	"strings"
	"unicode"
)

// Naming derives table, column and constraint names from entity and property names. The loader
// applies it where an entity file leaves a name out.
type Naming interface {
	Table(entity string) string
	Column(property string) string
	JoinColumn(property string, targetKey string) string // m:1 "author" + "id" -> "author_id"
	PivotTable(ownerTable, property string) string       // "book" + "tags" -> "book_tags"
	PivotColumn(table, key string) string                // "book" + "id" -> "book_id"
}

// UnderscoreNaming is the default strategy: camelCase to snake_case, as MikroORM's
// UnderscoreNamingStrategy.
type UnderscoreNaming struct{}

func (UnderscoreNaming) Table(entity string) string    { return Snake(entity) }
func (UnderscoreNaming) Column(property string) string { return Snake(property) }
func (UnderscoreNaming) JoinColumn(property, targetKey string) string {
	return Snake(property) + "_" + Snake(targetKey)
}
func (UnderscoreNaming) PivotTable(ownerTable, property string) string {
	return ownerTable + "_" + Snake(property)
}
func (UnderscoreNaming) PivotColumn(table, key string) string { return table + "_" + Snake(key) }

// Snake converts camelCase or PascalCase to snake_case: "createdAt" -> "created_at",
// "BookTag" -> "book_tag", "ISBNCode" -> "isbn_code".
func Snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) ||
				(i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// IndexName names an index ("index") or unique constraint ("unique") over columns of table, as
// MikroORM does: book_title_index, book_title_author_id_unique.
func IndexName(table string, columns []string, kind string) string {
	return table + "_" + strings.Join(columns, "_") + "_" + kind
}
