//go:build tools

// Package crds only records, for go mod tidy, the API packages that controller-gen reads; it is
// never built.
package crds

import (
	_ "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)
