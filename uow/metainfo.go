package uow

import (
	"github.com/dorm-go/dorm/schema"
)

// metaInfo is what a flush looks at, entity by entity, picked out of an entity's properties
// once: a flush of thousands of entities then walks a few properties of each instead of all.
type metaInfo struct {
	relations   []*schema.Property // every relation
	toMany      []*schema.Property // 1:m and m:n
	pivotOwners []*schema.Property // owning m:n sides
	required    []*schema.Property // columns that need a value: not nullable, not autoincrement
	onCreateNow []*schema.Property // scalars with onCreate: now
	onPersist   []*schema.Property // scalars filled in by Persist: onCreate: uuid, version, default
}

func newMetaInfo(meta *schema.Entity) *metaInfo {
	mi := &metaInfo{}
	for _, p := range meta.Properties {
		if p.IsRelation() {
			mi.relations = append(mi.relations, p)
		}
		if p.IsToMany() {
			mi.toMany = append(mi.toMany, p)
		}
		if p.Kind == schema.ManyToMany && p.Owner {
			mi.pivotOwners = append(mi.pivotOwners, p)
		}
		if p.HasColumn() && !p.Nullable && !p.Autoincrement {
			mi.required = append(mi.required, p)
		}
		if p.Kind == schema.Scalar && p.OnCreate == "now" {
			mi.onCreateNow = append(mi.onCreateNow, p)
		} else if p.Kind == schema.Scalar && (p.OnCreate == "uuid" || p.IsVersion || p.HasDefault) {
			mi.onPersist = append(mi.onPersist, p)
		}
	}
	return mi
}

// info returns the metaInfo of meta, made on first use. A UnitOfWork is used by one
// goroutine at a time, so its cache needs no lock.
func (u *UnitOfWork) info(meta *schema.Entity) *metaInfo {
	if u.last != nil && u.lastMeta == meta {
		return u.last
	}
	mi := u.infos[meta]
	if mi == nil {
		if u.infos == nil {
			u.infos = map[*schema.Entity]*metaInfo{}
		}
		mi = newMetaInfo(meta)
		u.infos[meta] = mi
	}
	u.lastMeta, u.last = meta, mi
	return mi
}
