package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/loader"
)

func newDemoCmd() *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Replay the MikroORM walkthrough on the example entities, printing every query",
		Long: `demo creates the example schema (Author, Book, BookTag, Publisher) and replays the
walkthrough of "Introducing MikroORM" step by step: cascade persist, forks, find with populate,
references, the identity map, collections, Count and FindAndCount, Transactional and optimistic
locking. Each step prints what it shows and the SQL it sent.

Without --db it uses a new SQLite file in a temporary directory (its path is printed). With
--db, the example tables are dropped and created again in that database. $DORM_DATABASE_URL
and dorm.yaml are not read: the demo never touches your database unless you name it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), url)
		},
	}
	cmd.Flags().StringVar(&url, "db", "", "database URL (default: a new SQLite file in a temporary directory)")
	return cmd
}

// demo is the state of one run of the walkthrough.
type demo struct {
	ctx context.Context
	w   io.Writer
	orm *em.ORM

	mu  sync.Mutex
	log []em.QueryEvent

	// what the steps pass on
	author, publisher *dynamic.Entity
	books             []*dynamic.Entity
	tags              map[string]*dynamic.Entity
}

// runDemo replays the walkthrough against url ("" for a new SQLite file in a temporary
// directory), writing to w. It returns the error of the first step that fails.
func runDemo(ctx context.Context, w io.Writer, url string) error {
	fresh := url == ""
	if fresh {
		dir, err := os.MkdirTemp("", "dorm-demo-")
		if err != nil {
			return err
		}
		path := filepath.Join(dir, "demo.db")
		url = "sqlite:file:" + path
		fmt.Fprintf(w, "database: %s (a new SQLite file; delete %s when done)\n", url, dir)
	} else {
		fmt.Fprintf(w, "database: %s\n", url)
	}
	reg, err := loader.LoadFS(schemas.FS, "*.yaml")
	if err != nil {
		return fmt.Errorf("load the example schemas: %w", err)
	}
	d := &demo{ctx: ctx, w: w, tags: map[string]*dynamic.Entity{}}
	orm, err := em.Open(ctx, em.Config{Registry: reg, URL: url, OnQuery: d.record})
	if err != nil {
		return err
	}
	defer orm.Close()
	d.orm = orm

	steps := []struct {
		title string
		run   func() error
	}{
		{"Create the schema", func() error { return d.createSchema(!fresh) }},
		{"Persist books; author, publisher and tags follow by cascade", d.persist},
		{"Fork a fresh EntityManager", d.fork},
		{"Find with a regex filter and populate", d.find},
		{"References: a key without a query, loaded by Init", d.references},
		{"Identity map: one row, one pointer", d.identityMap},
		{"Collections: add, remove, contains, count, IDs", d.collections},
		{"Count and FindAndCount", d.count},
		{"Transactional", d.transactional},
		{"Optimistic locking", d.optimisticLock},
	}
	for i, s := range steps {
		fmt.Fprintf(w, "\n== %d. %s ==\n", i+1, s.title)
		d.reset()
		if err := s.run(); err != nil {
			return fmt.Errorf("demo step %d (%s): %w", i+1, s.title, err)
		}
	}
	fmt.Fprintf(w, "\ndemo: all %d steps passed\n", len(steps))
	return nil
}

// record is the OnQuery hook.
func (d *demo) record(_ context.Context, q em.QueryEvent) {
	d.mu.Lock()
	d.log = append(d.log, q)
	d.mu.Unlock()
}

func (d *demo) reset() {
	d.mu.Lock()
	d.log = nil
	d.mu.Unlock()
}

// take returns the queries since the last take or reset and forgets them.
func (d *demo) take() []em.QueryEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.log
	d.log = nil
	return q
}

// say prints an indented line.
func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.w, "  "+format+"\n", args...)
}

// queries prints the queries since the last call, each as "  > SQL  [args]", cutting the
// SQL at max characters when max > 0, and returns how many there were.
func (d *demo) queries(max int) int {
	qs := d.take()
	if len(qs) == 0 {
		d.say("(no query)")
	}
	for _, q := range qs {
		sql := strings.Join(strings.Fields(q.Query), " ")
		if max > 0 && len(sql) > max {
			sql = sql[:max] + " …"
		}
		line := "  > " + sql
		if len(q.Args) > 0 {
			line += "  " + formatArgs(q.Args)
		}
		if q.Err != nil {
			line += "  -- error: " + q.Err.Error()
		}
		fmt.Fprintln(d.w, line)
	}
	return len(qs)
}

// jsonString shows a filter map as JSON, the form filters also come in.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			parts[i] = "NULL"
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		case []byte:
			parts[i] = fmt.Sprintf("<%d bytes>", len(v))
		case time.Time:
			parts[i] = v.Format(time.RFC3339)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// expect returns an error saying what went wrong when ok is false.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("unexpected: "+format, args...)
}

// expectQueries checks the number of queries a step issued.
func expectQueries(got, want int, what string) error {
	return expect(got == want, "%s issued %d queries, want %d", what, got, want)
}

func (d *demo) createSchema(drop bool) error {
	if drop {
		d.say("dropping the example tables first, so the demo starts empty")
		if err := d.orm.Schema().Drop(d.ctx); err != nil {
			return err
		}
		d.queries(100)
	}
	d.say("orm.Schema().Create(ctx) creates the tables of the embedded entity files:")
	for _, e := range d.orm.Registry().Entities() {
		d.say("  %s (table %s)", e.Name, e.Table)
	}
	if err := d.orm.Schema().Create(d.ctx); err != nil {
		return err
	}
	d.queries(100)
	return nil
}

// persist: the "Persisting entities with EntityManager" section. Author, publisher and tags
// are built detached (dynamic.New); only the books are persisted, and Flush reaches the rest
// by cascade.
func (d *demo) persist() error {
	reg := d.orm.Registry()
	m := d.orm.Fork()
	authorMeta, _ := reg.Entity("Author")
	publisherMeta, _ := reg.Entity("Publisher")
	tagMeta, _ := reg.Entity("BookTag")

	d.author = dynamic.New(authorMeta)
	if err := errors.Join(
		d.author.Set("name", "Jon Snow"),
		d.author.Set("email", "snow@wall.st"),
		d.author.Set("born", "1990-01-01"),
	); err != nil {
		return err
	}
	d.publisher = dynamic.New(publisherMeta)
	if err := d.publisher.Set("name", "7K publisher"); err != nil {
		return err
	}
	for _, name := range []string{"silly", "sick", "strange"} {
		t := dynamic.New(tagMeta)
		if err := t.Set("name", name); err != nil {
			return err
		}
		d.tags[name] = t
	}
	tagsOf := [][]string{{"silly", "sick"}, {"sick", "strange"}, {"strange"}}
	d.books = nil
	for i, names := range tagsOf {
		tags := make([]any, len(names))
		for j, n := range names {
			tags[j] = d.tags[n]
		}
		b, err := m.Create("Book", map[string]any{
			"title":     fmt.Sprintf("My Life on The Wall, part %d", i+1),
			"author":    d.author,
			"publisher": d.publisher,
			"tags":      tags,
		})
		if err != nil {
			return err
		}
		d.books = append(d.books, b)
	}
	d.say(`m.Create("Book", ...) x3, with author, publisher and tags built by dynamic.New (not persisted)`)
	d.say("m.Flush(ctx): one transaction; the rows a book refers to are inserted before it:")
	if err := m.Flush(d.ctx); err != nil {
		return err
	}
	d.queries(0)
	d.say("author id %v, publisher id %v, tag ids %v %v %v (generated by the database)",
		d.author.ID(), d.publisher.ID(), d.tags["silly"].ID(), d.tags["sick"].ID(), d.tags["strange"].ID())
	d.say("book ids %v, %v, %v (uuids generated client-side)", d.books[0].ID(), d.books[1].ID(), d.books[2].ID())
	return expect(d.author.ID() != nil && d.publisher.ID() != nil && d.tags["strange"].ID() != nil,
		"cascaded entities have no keys after the flush")
}

func (d *demo) fork() error {
	m := d.orm.Fork()
	d.say("orm.Fork() returns an EntityManager with its own, empty identity map:")
	d.say("entities managed by the new fork: %d", m.UnitOfWork().Managed())
	d.say("use one fork per request or job (em.Middleware does it for net/http)")
	return expect(m.UnitOfWork().Managed() == 0, "a fresh fork manages entities")
}

func (d *demo) find() error {
	m := d.orm.Fork()
	filter := map[string]any{"author": map[string]any{"name": map[string]any{"$re": "^Jon"}}}
	d.say(`m.Find(ctx, "Book", %s, em.Populate("author", "tags"), em.OrderBy("title", em.Asc))`, jsonString(filter))
	books, err := m.Find(d.ctx, "Book", filter, em.Populate("author", "tags"), em.OrderBy("title", em.Asc))
	if err != nil {
		return err
	}
	n := d.queries(0)
	d.say("one query for the books, one per populated relation (never one per book):")
	for _, b := range books {
		a := b.Ref("author")
		var tags []string
		for t := range b.Collection("tags").All() {
			tags = append(tags, fmt.Sprint(t.Get("name")))
		}
		p := b.Ref("publisher")
		d.say("  %q by %v, tags %v; publisher %v initialised=%v name=%v",
			b.Get("title"), a.Get("name"), tags, p, p.IsInitialized(), p.Get("name"))
	}
	if err := expectQueries(n, 3, "find with populate of author and tags"); err != nil {
		return err
	}
	if err := expect(len(books) == 3, "found %d books, want 3", len(books)); err != nil {
		return err
	}
	return expect(books[0].Ref("author").IsInitialized() && !books[0].Ref("publisher").IsInitialized(),
		"want the author populated and the publisher a reference")
}

func (d *demo) references() error {
	m := d.orm.Fork()
	d.say(`book, _ := m.FindOne(ctx, "Book", %q)`, fmt.Sprint(d.books[0].ID()))
	book, err := m.FindOne(d.ctx, "Book", d.books[0].ID())
	if err != nil {
		return err
	}
	d.queries(0)
	a := book.Ref("author")
	d.say(`book.Ref("author"): %v, initialised=%v, name=%v (a reference: the key only)`, a, a.IsInitialized(), a.Get("name"))
	d.say(`m.GetReference("Author", %v) runs no query and returns the same pointer:`, a.ID())
	ref := m.GetReference("Author", a.ID())
	n := d.queries(0)
	d.say(`ref == book.Ref("author"): %v`, ref == a)
	if err := errors.Join(expectQueries(n, 0, "GetReference"), expect(ref == a, "GetReference returned another pointer")); err != nil {
		return err
	}
	d.say("ref.Init(ctx) loads it, keeping the same pointer:")
	if err := ref.Init(d.ctx); err != nil {
		return err
	}
	n = d.queries(0)
	d.say("initialised=%v, name=%v", ref.IsInitialized(), ref.Get("name"))
	return errors.Join(expectQueries(n, 1, "Init"), expect(ref.Get("name") == "Jon Snow", "name after Init is %v", ref.Get("name")))
}

func (d *demo) identityMap() error {
	m := d.orm.Fork()
	repo := m.Repository("Author")
	d.say(`repo := m.Repository("Author")`)
	jon, err := repo.FindOne(d.ctx, map[string]any{"name": "Jon Snow"}, em.Populate("books"))
	if err != nil {
		return err
	}
	d.say(`jon, _ := repo.FindOne(ctx, {"name": "Jon Snow"}, em.Populate("books"))`)
	d.queries(0)
	jon2, err := repo.FindOne(d.ctx, map[string]any{"email": "snow@wall.st"})
	if err != nil {
		return err
	}
	d.say(`jon2, _ := repo.FindOne(ctx, {"email": "snow@wall.st"})`)
	d.queries(0)
	authors, err := repo.FindAll(d.ctx, em.Populate("books"))
	if err != nil {
		return err
	}
	d.say(`authors, _ := repo.FindAll(ctx, em.Populate("books"))  (books already loaded: no second query)`)
	d.queries(0)
	d.say("jon == authors[0]: %v", len(authors) > 0 && jon == authors[0])
	d.say("jon == jon2: %v", jon == jon2)
	d.say("jon2's books are populated too (one instance): %d books", jon2.Collection("books").Len())
	if err := expect(len(authors) == 1 && jon == authors[0] && jon == jon2, "the identity map returned different pointers for one row"); err != nil {
		return err
	}
	d.say(`m.FindOne(ctx, "Author", %v) by key: the managed entity, without a query:`, jon.ID())
	again, err := m.FindOne(d.ctx, "Author", jon.ID())
	if err != nil {
		return err
	}
	n := d.queries(0)
	d.say("same pointer: %v", again == jon)
	return errors.Join(expectQueries(n, 0, "FindOne of a managed entity by key"), expect(again == jon, "FindOne by key returned another pointer"))
}

func (d *demo) collections() error {
	m := d.orm.Fork()
	book, err := m.FindOne(d.ctx, "Book", d.books[0].ID(), em.Populate("tags"))
	if err != nil {
		return err
	}
	d.say(`book, _ := m.FindOne(ctx, "Book", %q, em.Populate("tags"))`, fmt.Sprint(book.ID()))
	d.queries(0)
	tags := book.Collection("tags")
	silly := m.GetReference("BookTag", d.tags["silly"].ID())
	strange := m.GetReference("BookTag", d.tags["strange"].ID())
	d.say("tags.Len() = %d, tags.IDs() = %v", tags.Len(), tags.IDs())
	d.say("tags.Contains(silly) = %v, tags.Contains(strange) = %v", tags.Contains(silly), tags.Contains(strange))
	if err := expect(tags.Len() == 2 && tags.Contains(silly) && !tags.Contains(strange), "tags of part 1: %v", tags.IDs()); err != nil {
		return err
	}
	tags.Remove(silly)
	tags.Add(strange)
	d.say("tags.Remove(silly); tags.Add(strange)")
	d.say("tags.Len() = %d, tags.IDs() = %v, tags.Contains(silly) = %v", tags.Len(), tags.IDs(), tags.Contains(silly))
	d.say("m.Flush(ctx) writes the pivot rows:")
	if err := m.Flush(d.ctx); err != nil {
		return err
	}
	qs := d.takeAndPrint()
	if err := errors.Join(
		expect(hasStatement(qs, "DELETE"), "no DELETE of the pivot row"),
		expect(hasStatement(qs, "INSERT"), "no INSERT of the pivot row"),
	); err != nil {
		return err
	}
	n, err := d.orm.Fork().Count(d.ctx, "Book", map[string]any{"tags": map[string]any{"name": "strange"}})
	if err != nil {
		return err
	}
	d.take()
	d.say("books tagged strange in the database now: %d", n)
	return expect(n == 3, "%d books tagged strange, want 3", n)
}

// takeAndPrint prints the queries since the last call and returns them.
func (d *demo) takeAndPrint() []em.QueryEvent {
	d.mu.Lock()
	qs := append([]em.QueryEvent(nil), d.log...)
	d.mu.Unlock()
	d.queries(0)
	return qs
}

func hasStatement(qs []em.QueryEvent, word string) bool {
	for _, q := range qs {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q.Query)), word) {
			return true
		}
	}
	return false
}

func (d *demo) count() error {
	m := d.orm.Fork()
	n, err := m.Count(d.ctx, "Book", nil)
	if err != nil {
		return err
	}
	d.say(`m.Count(ctx, "Book", nil) = %d`, n)
	d.queries(0)
	filter := map[string]any{"author": d.author.ID()}
	page, total, err := m.FindAndCount(d.ctx, "Book", filter, em.OrderBy("title", em.Desc), em.Limit(2))
	if err != nil {
		return err
	}
	d.say(`m.FindAndCount(ctx, "Book", %s, em.OrderBy("title", em.Desc), em.Limit(2)): %d of %d`, jsonString(filter), len(page), total)
	for _, b := range page {
		d.say("  %q", b.Get("title"))
	}
	d.queries(0)
	return expect(n == 3 && len(page) == 2 && total == 3, "count %d, page %d, total %d; want 3, 2, 3", n, len(page), total)
}

func (d *demo) transactional() error {
	m := d.orm.Fork()
	d.say("m.Transactional(ctx, fn): fn works on tx, bound to the transaction and sharing m's identity map; tx is flushed and committed:")
	err := m.Transactional(d.ctx, func(ctx context.Context, tx *em.EntityManager) error {
		a, err := tx.FindOne(ctx, "Author", d.author.ID())
		if err != nil {
			return err
		}
		if err := a.Set("age", 28); err != nil {
			return err
		}
		_, err = tx.Create("Book", map[string]any{"title": "The Wall, a guide", "author": a})
		return err
	})
	if err != nil {
		return err
	}
	d.queries(0)
	d.say("when fn returns an error, everything is rolled back:")
	sentinel := errors.New("changed my mind")
	err = m.Transactional(d.ctx, func(ctx context.Context, tx *em.EntityManager) error {
		if _, err := tx.Create("Author", map[string]any{"name": "Bran", "email": "bran@tree.north"}); err != nil {
			return err
		}
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		return sentinel
	})
	d.queries(0)
	d.say("Transactional returned %q", err)
	if err := expect(errors.Is(err, sentinel), "Transactional returned %v, want the callback's error", err); err != nil {
		return err
	}
	books, err := m.Count(d.ctx, "Book", nil)
	if err != nil {
		return err
	}
	brans, err := m.Count(d.ctx, "Author", map[string]any{"name": "Bran"})
	if err != nil {
		return err
	}
	d.take()
	d.say("books now: %d; authors named Bran: %d", books, brans)
	return expect(books == 4 && brans == 0, "after the transactions: %d books (want 4), %d Brans (want 0)", books, brans)
}

func (d *demo) optimisticLock() error {
	a, b := d.orm.Fork(), d.orm.Fork()
	ja, err := a.FindOne(d.ctx, "Author", d.author.ID())
	if err != nil {
		return err
	}
	jb, err := b.FindOne(d.ctx, "Author", d.author.ID())
	if err != nil {
		return err
	}
	d.say("two forks load the same Author (version %v):", ja.Get("version"))
	d.queries(0)
	if err := ja.Set("name", "Lord Snow"); err != nil {
		return err
	}
	d.say(`the first sets name = "Lord Snow" and flushes: the UPDATE checks and bumps the version`)
	if err := a.Flush(d.ctx); err != nil {
		return err
	}
	d.queries(0)
	if err := jb.Set("name", "King in the North"); err != nil {
		return err
	}
	d.say(`the second, still at version %v, sets name = "King in the North" and flushes:`, jb.Get("version"))
	err = b.Flush(d.ctx)
	d.queries(0)
	if err == nil {
		return errors.New("unexpected: the stale flush succeeded, want em.ErrOptimisticLock")
	}
	d.say("error: %v", err)
	d.say("errors.Is(err, em.ErrOptimisticLock) = %v", errors.Is(err, em.ErrOptimisticLock))
	if !errors.Is(err, em.ErrOptimisticLock) {
		return fmt.Errorf("unexpected: the stale flush failed with %w, want em.ErrOptimisticLock", err)
	}
	d.say("the second fork can Refresh the entity and try again")
	return nil
}
