package mysql_test

import (
	"context"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/drivers/mysql"
)

// TestConformance runs the driver conformance suite on a database of its own per case.
func TestConformance(t *testing.T) {
	probe, err := mysql.Open(context.Background(), mysql.NewTestDatabase(t), drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	perRow := probe.(*mysql.Driver).InsertMode() == mysql.InsertPerRow
	t.Logf("server %s, insert mode %v", probe.(*mysql.Driver).Version(), probe.(*mysql.Driver).InsertMode())
	probe.Close()
	driverstest.Run(t, driverstest.Harness{
		InsertPerRow: perRow,
		Open: func(t *testing.T, cfg drivers.Config) drivers.Driver {
			d, err := mysql.Open(context.Background(), mysql.NewTestDatabase(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	})
}
