package driverstest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/loader"
)

// embeddedModel embeds an Address twice in a Customer: once required, once nullable with
// columns of its own prefix (MikroORM's @Embeddable / @Embedded, inline).
const embeddedModel = `
entities:
  - entity: Address
    embeddable: true
    properties:
      street:   { type: string }
      city:     { type: string, index: true }
      postCode: { type: string, length: 10, nullable: true }
      country:  { type: string, length: 2, default: GB }
  - entity: Customer
    table: em_customer
    properties:
      id:      { type: int, primary: true }
      name:    { type: string }
      address: { kind: embedded, entity: Address }
      billing: { kind: embedded, entity: Address, prefix: bill_, nullable: true }
`

// modelORM opens an ORM on env's driver with the entity file model, its tables created and
// dropped at the end.
func modelORM(t *testing.T, env *Env, model string) *em.ORM {
	t.Helper()
	reg, err := loader.LoadFS(fstest.MapFS{"model.yaml": {Data: []byte(model)}}, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orm, err := em.Open(env.Ctx, em.Config{Registry: reg, Driver: env.ORM.Driver()})
	if err != nil {
		t.Fatal(err)
	}
	if err := orm.Schema().Create(env.Ctx); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := orm.Schema().Drop(context.Background()); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return orm
}

var embeddedCases = []Case{
	{"EmbeddedValues", func(t *testing.T, env *Env) {
		orm := modelORM(t, env, embeddedModel)
		ctx := env.Ctx
		m := orm.Fork()
		// A required embedded value left out fails the flush like any required column.
		nobody := create(t, m, "Customer", map[string]any{"name": "Nobody"})
		if err := m.Flush(ctx); err == nil || !strings.Contains(err.Error(), "address.street") {
			t.Fatalf("flush without the required address: %v, want an error naming address.street", err)
		}
		m.Remove(nobody)
		arya := create(t, m, "Customer", map[string]any{"name": "Arya", "address": map[string]any{"street": "Long Bridge 1", "city": "Braavos"}})
		create(t, m, "Customer", map[string]any{"name": "Jon", "address": map[string]any{"street": "Castle Black", "city": "The Wall", "postCode": "N1"},
			"billing": map[string]any{"street": "Red Keep", "city": "King's Landing", "country": "WE"}})
		must(t, m.Flush(ctx))

		// Read back: the fields as a map, the default filled in, a nullable one left nil.
		m2 := orm.Fork()
		got, err := m2.FindOne(ctx, "Customer", arya.ID())
		must(t, err)
		want := map[string]any{"street": "Long Bridge 1", "city": "Braavos", "postCode": nil, "country": "GB"}
		if d := cmp.Diff(want, got.Get("address")); d != "" {
			t.Errorf("address (-want +got):\n%s", d)
		}
		if got.Get("billing") != nil || got.Get("address.city") != "Braavos" {
			t.Errorf("billing %v, address.city %v; want nil and Braavos", got.Get("billing"), got.Get("address.city"))
		}
		if d := cmp.Diff(map[string]any{"id": arya.ID(), "name": "Arya", "address": want, "billing": nil}, got.ToMap()); d != "" {
			t.Errorf("ToMap (-want +got):\n%s", d)
		}

		// Filters on the fields, as an object or by the dotted name; ordering by a field.
		for _, c := range []struct {
			filter map[string]any
			want   int64
		}{
			{map[string]any{"address": map[string]any{"city": "Braavos"}}, 1},
			{map[string]any{"address.city": map[string]any{"$like": "%Wall%"}}, 1},
			{map[string]any{"billing": nil}, 1},
			{map[string]any{"billing": map[string]any{"country": "WE"}, "address": map[string]any{"postCode": "N1"}}, 1},
			{map[string]any{"address": map[string]any{"country": map[string]any{"$in": []any{"GB", "WE"}}}}, 2},
		} {
			if n, err := m2.Count(ctx, "Customer", c.filter); err != nil || n != c.want {
				t.Errorf("count %v: %d, %v; want %d", c.filter, n, err, c.want)
			}
		}
		if _, err := m2.Count(ctx, "Customer", map[string]any{"address": map[string]any{"town": "x"}}); err == nil || !strings.Contains(err.Error(), "town") {
			t.Errorf("filter on an unknown field: %v", err)
		}
		sorted, err := m2.Find(ctx, "Customer", nil, em.OrderBy("address.city", em.Desc))
		must(t, err)
		if len(sorted) != 2 || sorted[0].Get("name") != "Jon" {
			t.Errorf("ordered by address.city desc: %v", sorted)
		}
		if _, err := m2.Find(ctx, "Customer", nil, em.OrderBy("address", em.Asc)); err == nil || !strings.Contains(err.Error(), "address.city") {
			t.Errorf("ordering by the embedded value itself: %v, want an error naming its fields", err)
		}
		if _, err := m2.Create("Address", map[string]any{"street": "x", "city": "y"}); err == nil || !strings.Contains(err.Error(), "embeddable") {
			t.Errorf("creating an embeddable: %v, want an error saying it is an embeddable", err)
		}

		// Changing one field writes only that column; setting the whole value replaces it.
		must(t, got.Set("address.city", "Pentos"))
		env.Reset()
		must(t, m2.Flush(ctx))
		qs := env.Queries()
		if len(qs) != 1 || env.CountKind("UPDATE") != 1 {
			t.Errorf("update of one field: %v, want one UPDATE", qs)
		} else if sql := qs[0].Query; strings.Contains(sql, " SET ") && (!strings.Contains(sql, "address_city") || strings.Contains(sql, "address_street")) {
			t.Errorf("update of address.city: %s, want only its column set", sql) // (SQL drivers; the memory driver names no columns)
		}
		must(t, got.Set("billing", map[string]any{"street": "Sealord's Palace", "city": "Braavos"}))
		must(t, m2.Flush(ctx))
		fresh, err := orm.Fork().FindOne(ctx, "Customer", arya.ID())
		must(t, err)
		wantBilling := map[string]any{"street": "Sealord's Palace", "city": "Braavos", "postCode": nil, "country": "GB"}
		if d := cmp.Diff(wantBilling, fresh.Get("billing")); d != "" || fresh.Get("address.city") != "Pentos" {
			t.Errorf("after the updates: address.city %v, billing (-want +got):\n%s", fresh.Get("address.city"), d)
		}
		must(t, got.Set("billing", nil))
		must(t, m2.Flush(ctx))
		if n := count(t, &Env{T: t, ORM: orm, Ctx: ctx}, "Customer", map[string]any{"billing": nil}); n != 1 {
			t.Errorf("%d customers without billing after clearing Arya's, want 1 (Arya; Jon has one)", n)
		}

		// Wrong values are errors that change nothing.
		var unknown *dynamic.UnknownPropertyError
		if err := got.Set("address", map[string]any{"street": "x", "city": "y", "town": "z"}); !errors.As(err, &unknown) || unknown.Property != "address.town" {
			t.Errorf("unknown field: %v", err)
		}
		if err := got.Set("address", nil); err == nil {
			t.Error("a required embedded value set to nil was accepted")
		}
		if err := got.Set("address", map[string]any{"street": "only the street"}); err == nil || !strings.Contains(err.Error(), "address.city") {
			t.Errorf("a required field left out: %v", err)
		}
		if err := got.Set("address", "Braavos"); err == nil {
			t.Error("a string for an embedded value was accepted")
		}
		if got.Get("address.street") != "Long Bridge 1" || got.Get("address.city") != "Pentos" {
			t.Errorf("after the failed sets: %v", got.Get("address"))
		}
	}},
}
