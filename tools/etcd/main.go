// Command etcd is etcd's server main, built from go.etcd.io/etcd/server/v3 for the test control
// plane: that module's own go.mod has local replace lines, so `go install` of it fails, while a
// module that imports etcdmain builds it from the published modules.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
