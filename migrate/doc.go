// Package migrate compares database schemas and turns the difference into SQL: the engine
// behind dorm schema update|diff and dorm migrate create|up|down|status.
//
// # One model, one differ
//
// A [Schema] describes both sides: what the entity files want ([FromRegistry], through a
// dialect's type mapping) and what a database has (a driver's [Inspector]). [Diff] compares
// two of them once for every database; a [Dialect] plugs in the normalisation of spellings
// (type aliases, default spellings) and the DDL ([Dialect.Plan]).
//
//	desired, _ := migrate.FromRegistry(reg, dialect)
//	current, _ := target.Inspect(ctx)
//	changes, _ := migrate.Diff(current, desired, migrate.DiffOptions{Dialect: dialect})
//	diags, _ := migrate.Lint(ctx, changes, migrate.LintOptions{Rows: target, Dialect: dialect})
//	if err := migrate.Refuse(diags, allowDestructive); err != nil { ... }
//	plan, _ := dialect.Plan(changes)
//	err = migrate.Apply(ctx, target, plan)
//
// Renames are declared, never guessed: a table or column is renamed only when the entity
// file says renamedFrom:. Without it a new name is a drop and an add, which [Lint] reports
// as destructive.
//
// # Migration files
//
// A [Dir] holds <version>_<name>.up.sql and .down.sql pairs, the sum file dorm.sum and
// dorm.snapshot.json, the desired schema as of the last migration, which lets a new
// migration be planned without a database (Diff(snapshot, desired)). An [Executor] applies
// and reverts migrations and records them in the history table dorm_migrations.
package migrate
