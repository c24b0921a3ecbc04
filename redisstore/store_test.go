package redisstore

import (
	"testing"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/storetest"
)

func TestStoreConformance(t *testing.T) {
	rdb := needRedis(t)
	storetest.Run(t, func() whatsapp.Store { return New(rdb, &Options{Prefix: testPrefix()}) })
}
