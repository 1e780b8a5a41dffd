//go:build tools

// Package tools pins actionlint so that `go build` of its main package resolves
// through the Go module proxy at exactly the versions recorded in go.mod/go.sum.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
