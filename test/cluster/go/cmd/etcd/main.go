// Command etcd is etcd's server (go.etcd.io/etcd/server/v3 at the version
// k8s.io/kubernetes pins in go.mod), through etcdmain like upstream's etcd binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
