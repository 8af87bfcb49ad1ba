// Package uow is dorm's unit of work: the identity map of one EntityManager and the changes
// waiting for its next flush.
//
// # Change detection
//
// Entities report their first change to the unit of work (dynamic.Tracker.Changed), so a
// flush visits only new, changed and removed entities and what they cascade to: its cost
// does not grow with the number of managed entities.
//
// # Flush
//
// [UnitOfWork.Flush] cascades persist along relations (and orphan removal), orders inserts
// by foreign-key dependencies (a cycle is broken at a nullable foreign key, whose value is
// written by a later UPDATE), batches inserts, updates and deletes per entity, writes pivot
// rows, and runs everything in one transaction. Every entity it touches is snapshotted first:
// when anything fails, the transaction is rolled back and the snapshots restored, so the unit
// of work is exactly as it was before the flush.
package uow
