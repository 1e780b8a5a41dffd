//go:build tools

// Package tools pins the Pulumi CLI and its Python language host so that
// `go build` of their main packages resolves through the Go module proxy at
// exactly the versions recorded in go.mod/go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
