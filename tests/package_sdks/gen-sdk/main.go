// Command pulumi-gen-sdk writes the TypeScript or Go SDK of a Pulumi package schema with the code
// generators of the Pulumi CLI's own version (pkg/codegen/nodejs and pkg/codegen/go), which is
// what `pulumi package gen-sdk` asks the language hosts to run. The CLI links no generator itself
// (packages.GenSDK calls the host's GeneratePackage) and the module proxy serves neither
// pulumi-language-nodejs nor pulumi-language-go, so scripts/engine builds this instead, in a
// module with the same requirements as the CLI.
//
//	pulumi-gen-sdk <schema.json> <nodejs|go> <out dir>
//
// It generates what `pulumi package add` generates: a local SDK (SupportPack, and for Node.js the
// local flavour).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noPackages answers the binder's requests for other packages: our schema references none, and a
// reference that appears later should fail here rather than be fetched from anywhere.
type noPackages struct{}

var errForeign = errors.New("the schema references another package; pulumi-gen-sdk loads none")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errForeign
}

func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errForeign
}

func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errForeign
}

func (noPackages) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errForeign
}

func generate(schemaPath, language, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	// As `pulumi package add` does (cmd/pulumi/packages.InstallPackage): the Go SDK becomes a module
	// of its own, example.com/pulumi-<name>/sdk/go, that the program's go.mod replaces locally.
	pkg.SupportPack = true
	var files map[string][]byte
	switch language {
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi-gen-sdk", pkg, nil, nil, true, noPackages{})
	case "go":
		files, err = gogen.GeneratePackage("pulumi-gen-sdk", pkg, nil)
	default:
		err = fmt.Errorf("language %q: nodejs or go", language)
	}
	if err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-gen-sdk <schema.json> <nodejs|go> <out dir>")
		os.Exit(2)
	}
	if err := generate(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-gen-sdk:", err)
		os.Exit(1)
	}
}
