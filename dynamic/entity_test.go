package dynamic_test

import (
	"testing"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/schema"
)

func metas(t *testing.T) (*schema.Entity, *schema.Entity, *schema.Entity) {
	t.Helper()
	reg, err := loader.LoadFS(schemas.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reg.Entity("Author")
	b, _ := reg.Entity("Book")
	tg, _ := reg.Entity("BookTag")
	return a, b, tg
}

func TestChangesOnlyOfManagedEntities(t *testing.T) {
	am, _, _ := metas(t)
	a := dynamic.NewReference(am, int64(1), nil)
	a.Hydrate(am.Columns()[:1], []any{int64(1)})
	if err := a.Set("name", "x"); err != nil {
		t.Fatal(err)
	}
	if err := a.Set("age", 3); err != nil {
		t.Fatal(err)
	}
	if err := a.Set("age", nil); err != nil { // back to the original: no change
		t.Fatal(err)
	}
	ch := a.Changes()
	if len(ch) != 1 || ch[0].Name != "name" {
		t.Errorf("changes: %v, want [name]", ch)
	}
	if a.Original(ch[0]) != nil {
		t.Errorf("original name: %v", a.Original(ch[0]))
	}
	a.Synced()
	if len(a.Changes()) != 0 {
		t.Error("changes after Synced")
	}
}

func TestBidirectionalSync(t *testing.T) {
	am, bm, tm := metas(t)
	a1, a2 := dynamic.New(am), dynamic.New(am)
	b := dynamic.New(bm)
	if err := b.Set("author", a1); err != nil {
		t.Fatal(err)
	}
	if !a1.Collection("books").Contains(b) {
		t.Error("m:1 set did not add to the 1:m")
	}
	a2.Collection("books").Add(b)
	if b.Ref("author") != a2 || a1.Collection("books").Contains(b) {
		t.Error("1:m add did not move the book")
	}
	a2.Collection("books").Remove(b)
	if b.Ref("author") != nil {
		t.Error("1:m remove did not clear the m:1")
	}
	tag := dynamic.New(tm)
	b.Collection("tags").Add(tag)
	if !tag.Collection("books").Contains(b) {
		t.Error("m:n add did not reach the inverse side")
	}
	tag.Collection("books").Remove(b)
	if b.Collection("tags").Contains(tag) {
		t.Error("m:n remove on the inverse side did not reach the owner")
	}
	if err := b.Set("tags", []*dynamic.Entity{a1}); err == nil {
		t.Error("a collection accepted an entity of another type")
	}
}

func TestSnapshotRestore(t *testing.T) {
	_, bm, tm := metas(t)
	b := dynamic.New(bm)
	tag := dynamic.New(tm)
	if err := b.Set("title", "before"); err != nil {
		t.Fatal(err)
	}
	s := b.Snapshot()
	_ = b.Set("title", "after")
	b.Collection("tags").Add(tag)
	s.Restore()
	if b.Get("title") != "before" || b.Collection("tags").Len() != 0 {
		t.Errorf("after Restore: %v, %d tags", b.Get("title"), b.Collection("tags").Len())
	}
}

func TestToMapCutsCycles(t *testing.T) {
	am, bm, _ := metas(t)
	a := dynamic.New(am)
	_ = a.Set("id", 7)
	_ = a.Set("name", "Jon")
	_ = a.Set("password", "secret")
	b := dynamic.New(bm)
	_ = b.Set("title", "T")
	_ = b.Set("author", a)
	_ = a.Set("favouriteBook", b)
	m := a.ToMap()
	if _, ok := m["password"]; ok {
		t.Error("hidden property serialised")
	}
	fav := m["favouriteBook"].(map[string]any)
	if fav["author"] != int64(7) {
		t.Errorf("cycle not cut: %#v", fav["author"])
	}
}

// TestLargeCollection: past the size where a collection indexes its items, Add, Contains and
// Remove stay right (and adding 10,000 books to one author is not quadratic).
func TestLargeCollection(t *testing.T) {
	am, bm, _ := metas(t)
	a := dynamic.New(am)
	books := make([]*dynamic.Entity, 10_000)
	for i := range books {
		books[i] = dynamic.New(bm)
		if err := books[i].Set("author", a); err != nil {
			t.Fatal(err)
		}
	}
	c := a.Collection("books")
	if c.Len() != len(books) || !c.Contains(books[9999]) {
		t.Fatalf("len %d, contains last %v", c.Len(), c.Contains(books[9999]))
	}
	c.Add(books[5]) // already there
	c.Remove(books[5])
	if c.Len() != len(books)-1 || c.Contains(books[5]) || books[5].Ref("author") != nil {
		t.Errorf("after Remove: len %d, contains %v, author %v", c.Len(), c.Contains(books[5]), books[5].Ref("author"))
	}
	c.Add(books[5])
	if c.Len() != len(books) || !c.Contains(books[5]) {
		t.Errorf("after re-Add: len %d, contains %v", c.Len(), c.Contains(books[5]))
	}
}
