package whatsapp_test

import (
	"testing"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func() whatsapp.Store { return whatsapp.NewMemoryStore() })
	// The zero value is ready to use too.
	storetest.Run(t, func() whatsapp.Store { return new(whatsapp.MemoryStore) })
}
