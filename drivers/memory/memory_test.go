package memory_test

import (
	"context"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/drivers/memory"
)

func TestConformance(t *testing.T) {
	driverstest.Run(t, driverstest.Harness{Open: func(t *testing.T, cfg drivers.Config) drivers.Driver {
		d, err := memory.Open(context.Background(), "memory:", cfg)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}})
}
