package em_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	_ "github.com/dorm-go/dorm/drivers/memory"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

func open(t *testing.T) *em.ORM {
	t.Helper()
	orm, err := em.Open(context.Background(), em.Config{Registry: driverstest.Registry(t), URL: "memory:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { orm.Close() })
	if err := orm.Schema().Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return orm
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := em.Open(ctx, em.Config{URL: "memory:"}); err == nil || !strings.Contains(err.Error(), "Registry or a SchemaDir") {
		t.Errorf("no model: %v", err)
	}
	if _, err := em.Open(ctx, em.Config{Registry: driverstest.Registry(t), URL: "oracle://x"}); err == nil || !strings.Contains(err.Error(), `no driver for scheme "oracle"`) {
		t.Errorf("unknown scheme: %v", err)
	}
	if _, err := em.Open(ctx, em.Config{Registry: driverstest.Registry(t)}); err == nil {
		t.Error("no URL: no error")
	}
}

func TestCreateReportsEveryBadValue(t *testing.T) {
	m := open(t).Fork()
	_, err := m.Create("Author", map[string]any{"name": 42, "emial": "x", "age": "old"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`Author has no property "emial"`, "Author.name: expected string (string), got int", "Author.age: expected smallint (int64), got string"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	var te *schema.TypeError
	if !errors.As(err, &te) {
		t.Error("errors.As finds no *schema.TypeError")
	}
	if _, err := m.Create("Autor", nil); err == nil || !strings.Contains(err.Error(), `unknown entity "Autor"`) {
		t.Errorf("unknown entity: %v", err)
	}
	if m.UnitOfWork().HasChanges() {
		t.Error("failed Create left something to flush")
	}
}

func TestFindOptionErrors(t *testing.T) {
	m := open(t).Fork()
	_, err := m.Find(context.Background(), "Book", nil, em.OrderBy("titel", em.Asc), em.Limit(-1))
	if err == nil || !strings.Contains(err.Error(), `no property "titel"`) || !strings.Contains(err.Error(), "Limit(-1)") {
		t.Errorf("got %v", err)
	}
	_, err = m.Find(context.Background(), "Book", nil, em.Lock(em.LockForUpdate))
	if !errors.Is(err, drivers.ErrNotSupported) {
		t.Errorf("lock on a driver without locking: %v", err)
	}
	if err := m.Populate(context.Background(), []*dynamic.Entity{dynamic.New(m.ORM().Registry().Entities()[0])}, "bookz"); err == nil {
		t.Error("populate of an unknown path: no error")
	}
}

func TestSetChecksTypes(t *testing.T) {
	m := open(t).Fork()
	b, err := m.Create("Book", map[string]any{"title": "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prop string
		v    any
		want string
	}{
		{"status", "archived", `"archived" is not one of [draft published]`},
		{"price", "12,5", "not a decimal"},
		{"author", 3.5, "expected Author"},
		{"title", nil, "not nullable"},
		{"nope", 1, `Book has no property "nope"`},
	} {
		if err := b.Set(c.prop, c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%s, %v): %v, want %q", c.prop, c.v, err, c.want)
		}
	}
}

func TestMiddlewareForksPerRequest(t *testing.T) {
	orm := open(t)
	var seen []*em.EntityManager
	h := em.Middleware(orm, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := em.FromContext(r.Context())
		if m == nil {
			t.Error("no EntityManager in the request context")
			return
		}
		seen = append(seen, m)
	}))
	for i := 0; i < 2; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if len(seen) != 2 || seen[0] == seen[1] {
		t.Error("requests must get distinct forks")
	}
	if em.FromContext(context.Background()) != nil {
		t.Error("FromContext of a bare context is not nil")
	}
}
