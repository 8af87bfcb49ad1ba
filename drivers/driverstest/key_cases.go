package driverstest

import (
	"strings"
	"testing"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// keyModel has relations in primary keys: a line of a purchase is keyed by its purchase
// and its product (MikroORM's "composite keys made of foreign keys"), and a profile shares
// the key of its shopper (a 1:1 as the primary key).
const keyModel = `
entities:
  - entity: Shopper
    table: kc_shopper
    properties:
      id:      { type: int, primary: true }
      name:    { type: string }
      profile: { kind: 1:1, entity: ShopperProfile, mappedBy: shopper }
  - entity: ShopperProfile
    table: kc_shopper_profile
    properties:
      shopper: { kind: 1:1, entity: Shopper, inversedBy: profile, primary: true, deleteRule: cascade }
      bio:     { type: text, nullable: true }
  - entity: Badge
    table: kc_badge
    properties:
      id:      { type: int, primary: true }
      label:   { type: string }
      profile: { kind: m:1, entity: ShopperProfile, deleteRule: cascade }
  - entity: Product
    table: kc_product
    properties:
      id:   { type: uuid, primary: true }
      name: { type: string }
  - entity: Purchase
    table: kc_purchase
    properties:
      id:      { type: int, primary: true }
      shopper: { kind: m:1, entity: Shopper }
      lines:   { kind: 1:m, entity: PurchaseLine, mappedBy: purchase, orphanRemoval: true, cascade: [persist, remove] }
  - entity: PurchaseLine
    table: kc_purchase_line
    properties:
      purchase: { kind: m:1, entity: Purchase, inversedBy: lines, primary: true, deleteRule: cascade }
      product:  { kind: m:1, entity: Product, primary: true }
      amount:   { type: int }
      version:  { type: int, version: true }
`

var keyCases = []Case{
	{"RelationsInThePrimaryKey", func(t *testing.T, env *Env) {
		orm := modelORM(t, env, keyModel)
		ctx := env.Ctx
		m := orm.Fork()
		shopper := create(t, m, "Shopper", map[string]any{"name": "Arya"})
		profile := create(t, m, "ShopperProfile", map[string]any{"shopper": shopper, "bio": "no one"})
		needle := create(t, m, "Product", map[string]any{"name": "Needle"})
		coin := create(t, m, "Product", map[string]any{"name": "Iron coin"})
		order := create(t, m, "Purchase", map[string]any{"shopper": shopper, "lines": []map[string]any{
			{"product": needle, "amount": 1}, {"product": coin, "amount": 5}}})
		if order.ID() != nil || profile.ID() != nil {
			t.Errorf("before the flush: keys %v and %v, want nil (the purchase and the shopper get theirs from the database)", order.ID(), profile.ID())
		}
		must(t, m.Flush(ctx))
		lines := order.Collection("lines").Items()
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2", len(lines))
		}
		key := []any{order.ID(), needle.ID()}
		if got, ok := lines[0].ID().([]any); !ok || len(got) != 2 || got[0] != key[0] || got[1] != key[1] {
			t.Errorf("line key %v, want %v", lines[0].ID(), key)
		}
		if profile.ID() != shopper.ID() {
			t.Errorf("profile key %v, want the shopper's %v", profile.ID(), shopper.ID())
		}

		// Found by key (entities or their keys), through the identity map the second time.
		m2 := orm.Fork()
		line, err := m2.FindOne(ctx, "PurchaseLine", key)
		must(t, err)
		if line.Get("amount") != int64(1) || line.Ref("purchase").ID() != order.ID() || line.Ref("purchase").IsInitialized() {
			t.Errorf("found line: amount %v, purchase %v (initialised %v)", line.Get("amount"), line.Ref("purchase").ID(), line.Ref("purchase").IsInitialized())
		}
		env.Reset()
		again, err := m2.FindOne(ctx, "PurchaseLine", []any{line.Ref("purchase"), needle.ID()})
		must(t, err)
		if again != line || env.Count() != 0 {
			t.Errorf("second find: same entity %v, %d queries; want the managed one and none", again == line, env.Count())
		}
		if ref := m2.GetReference("PurchaseLine", []any{order.ID(), coin.ID()}); ref == nil || ref.IsInitialized() {
			t.Errorf("GetReference of a line: %v", ref)
		}
		p, err := m2.FindOne(ctx, "ShopperProfile", shopper.ID())
		must(t, err)
		if p.Get("bio") != "no one" || p.Ref("shopper").ID() != shopper.ID() {
			t.Errorf("profile: bio %v, shopper %v", p.Get("bio"), p.Ref("shopper").ID())
		}
		if n, err := m2.Count(ctx, "PurchaseLine", map[string]any{"purchase": order.ID(), "amount": map[string]any{"$gt": 1}}); err != nil || n != 1 {
			t.Errorf("count of lines with amount > 1: %d, %v", n, err)
		}
		// Through the collection of composite-key lines, on their properties.
		if n, err := m2.Count(ctx, "Purchase", map[string]any{"lines": map[string]any{"amount": map[string]any{"$gt": 4}, "product": coin.ID()}}); err != nil || n != 1 {
			t.Errorf("purchases with a line of more than 4 coins: %d, %v", n, err)
		}
		if n, err := m2.Count(ctx, "Purchase", map[string]any{"lines": map[string]any{"amount": map[string]any{"$gt": 100}}}); err != nil || n != 0 {
			t.Errorf("purchases with a line of more than 100: %d, %v", n, err)
		}

		// A relation to an entity keyed by a relation: its column holds the shopper's key.
		mb := orm.Fork()
		prof, err := mb.FindOne(ctx, "ShopperProfile", shopper.ID())
		must(t, err)
		create(t, mb, "Badge", map[string]any{"label": "faceless", "profile": prof})
		create(t, mb, "Badge", map[string]any{"label": "waterdancer", "profile": shopper.ID()})
		must(t, mb.Flush(ctx))
		mb2 := orm.Fork()
		env.Reset()
		badges, err := mb2.Find(ctx, "Badge", map[string]any{"profile": map[string]any{"bio": "no one"}}, em.Populate("profile.shopper"), em.OrderBy("label", em.Asc))
		must(t, err)
		if len(badges) != 2 || badges[0].Ref("profile") != badges[1].Ref("profile") || badges[0].Ref("profile").Ref("shopper").Get("name") != "Arya" {
			t.Errorf("badges with populated profile.shopper: %v", badges)
		}
		if n := env.CountKind("SELECT"); n != 3 {
			t.Errorf("%d SELECTs for badges, profiles and shoppers; want 3", n)
		}
		if n, err := mb2.Count(ctx, "Badge", map[string]any{"profile": shopper.ID()}); err != nil || n != 2 {
			t.Errorf("badges of the profile by key: %d, %v", n, err)
		}

		// An update is keyed by both columns and checks the version.
		must(t, line.Set("amount", 3))
		env.Reset()
		must(t, m2.Flush(ctx))
		if n := env.CountKind("UPDATE"); n != 1 {
			t.Errorf("%d UPDATEs, want 1", n)
		}
		fresh, err := orm.Fork().FindOne(ctx, "PurchaseLine", key)
		must(t, err)
		if fresh.Get("amount") != int64(3) || fresh.Get("version") != int64(2) {
			t.Errorf("stored line: amount %v version %v, want 3 and 2", fresh.Get("amount"), fresh.Get("version"))
		}
		// The key of a managed entity cannot change.
		if err := line.Set("product", coin.ID()); err == nil {
			t.Error("changing a line's product (part of its key) was accepted")
		}

		// Populate along and through the keyed relations: one query per level.
		m3 := orm.Fork()
		env.Reset()
		orders, err := m3.Find(ctx, "Purchase", nil, em.Populate("lines.product", "shopper.profile"))
		must(t, err)
		if len(orders) != 1 || orders[0].Collection("lines").Len() != 2 {
			t.Fatalf("populated purchases: %v", orders)
		}
		if n := env.CountKind("SELECT"); n != 5 {
			t.Errorf("%d SELECTs for purchases, lines, products, shoppers and profiles; want 5", n)
		}
		for it := range orders[0].Collection("lines").All() {
			if !it.Ref("product").IsInitialized() || it.Ref("product").Get("name") == nil {
				t.Errorf("line %v: product not loaded", it.ID())
			}
		}
		if pr := orders[0].Ref("shopper").Ref("profile"); pr == nil || pr.Get("bio") != "no one" {
			t.Errorf("shopper.profile: %v", pr)
		}

		// Orphan removal deletes by the old key; removing the purchase cascades to the rest.
		var first *dynamic.Entity
		for it := range orders[0].Collection("lines").All() {
			if it.Ref("product").ID() == needle.ID() {
				first = it
			}
		}
		orders[0].Collection("lines").Remove(first)
		env.Reset()
		must(t, m3.Flush(ctx))
		if n := count(t, &Env{T: t, ORM: orm, Ctx: ctx}, "PurchaseLine", nil); n != 1 || env.CountKind("DELETE") != 1 {
			t.Errorf("after removing a line: %d lines, %d DELETEs; want 1 and 1", n, env.CountKind("DELETE"))
		}
		m3.Remove(orders[0])
		must(t, m3.Flush(ctx))
		kenv := &Env{T: t, ORM: orm, Ctx: ctx}
		if n := count(t, kenv, "PurchaseLine", nil); n != 0 {
			t.Errorf("%d lines after removing the purchase, want 0", n)
		}
		if n := count(t, kenv, "Purchase", nil); n != 0 {
			t.Errorf("%d purchases after removing it, want 0", n)
		}
	}},
}

// cycleModel has Sakila's cycle of non-nullable foreign keys: a store has a manager, a
// member of its staff, and every member of staff works in a store.
const cycleModel = `
entities:
  - entity: Store
    table: cy_store
    properties:
      id:      { type: int, primary: true }
      name:    { type: string }
      manager: { kind: m:1, entity: Staff }
  - entity: Staff
    table: cy_staff
    properties:
      id:    { type: int, primary: true }
      name:  { type: string }
      store: { kind: m:1, entity: Store }
  - entity: Actor
    table: cy_actor
    properties:
      id:   { type: int, primary: true }
      name: { type: string }
`

var cycleCases = []Case{
	{"NonNullableCycleFailsOnlyWhenBothSidesAreInserted", func(t *testing.T, env *Env) {
		orm := modelORM(t, env, cycleModel)
		ctx := env.Ctx
		m := orm.Fork()
		// Entities outside the cycle, and changes that insert neither side, flush as usual.
		actor := create(t, m, "Actor", map[string]any{"name": "Penelope"})
		must(t, m.Flush(ctx))
		must(t, actor.Set("name", "Nick"))
		must(t, m.Flush(ctx))
		// Both sides of the cycle new in one flush: no order can insert them.
		store := create(t, m, "Store", map[string]any{"name": "Lethbridge"})
		staff := create(t, m, "Staff", map[string]any{"name": "Mike", "store": store})
		must(t, store.Set("manager", staff))
		err := m.Flush(ctx)
		if err == nil || !strings.Contains(err.Error(), "cycle") {
			t.Fatalf("inserting a store and its manager in one flush: %v, want an error about the cycle", err)
		}
		if n := count(t, &Env{T: t, ORM: orm, Ctx: ctx}, "Store", nil); n != 0 {
			t.Errorf("%d stores after the failed flush, want 0", n)
		}
	}},
}
