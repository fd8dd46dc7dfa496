// Command crdvalidate checks CRD files with the Kubernetes API server's own validation code
// (k8s.io/apiextensions-apiserver), then runs objects through the steps the API server applies
// on create: pruning of unknown fields (reported, as strict field validation reports them),
// dropping of non-nullable nulls, defaulting, OpenAPI schema validation and CEL rules.
// No cluster is needed.
//
// It builds inside the testbed's Go module, which already pins the Kubernetes libraries:
//
//	cp -r deploy/tools/crdvalidate tests/cluster/k8s/
//	(cd tests/cluster/k8s && go build -o /tmp/crdvalidate ./crdvalidate)
//	/tmp/crdvalidate deploy/crds/*.yaml -- my-scaledobject.yaml
//
// Exit 0 when every CRD and object is accepted, 1 otherwise, 2 when a file cannot be read.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	v1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

func main() {
	crds := map[string]*apiextensions.CustomResourceDefinition{}
	failed := false
	objects := false
	for _, f := range os.Args[1:] {
		if f == "--" {
			objects = true
			continue
		}
		data, err := os.ReadFile(f)
		must(err)
		for _, doc := range strings.Split(string(data), "\n---\n") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if !objects {
				var crd v1.CustomResourceDefinition
				must(yaml.UnmarshalStrict([]byte(doc), &crd))
				v1.SetObjectDefaults_CustomResourceDefinition(&crd)
				var in apiextensions.CustomResourceDefinition
				must(v1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&crd, &in, nil))
				errs := validation.ValidateCustomResourceDefinition(context.TODO(), &in)
				fmt.Printf("CRD %s: %d errors\n", in.Name, len(errs))
				for _, e := range errs {
					fmt.Println("  ", e)
					failed = true
				}
				crds[in.Spec.Names.Kind] = &in
				continue
			}
			var obj map[string]interface{}
			js, err := yaml.YAMLToJSON([]byte(doc))
			must(err)
			must(utiljson.Unmarshal(js, &obj))
			kind, _ := obj["kind"].(string)
			meta, _ := obj["metadata"].(map[string]interface{})
			crd := crds[kind]
			if crd == nil {
				// Deployments, Secrets, ...: not ours to check.
				continue
			}
			schema := crd.Spec.Validation.OpenAPIV3Schema
			if schema == nil {
				schema = crd.Spec.Versions[0].Schema.OpenAPIV3Schema
			}
			s, err := structuralschema.NewStructural(schema)
			must(err)
			// As the API server does on create: drop unknown fields (reported, as strict
			// field validation would), apply defaults, then validate schema and CEL.
			unknown := pruning.PruneWithOptions(obj, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
			structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, s)
			structuraldefaulting.Default(obj, s)
			validator, _, err := apiservervalidation.NewSchemaValidator(schema)
			must(err)
			errs := apiservervalidation.ValidateCustomResource(nil, obj, validator)
			celErrs, _ := cel.NewValidator(s, true, celconfig.PerCallLimit).Validate(context.TODO(), field.NewPath(""), s, obj, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
			fmt.Printf("%s %v: %d unknown fields, %d errors\n", kind, meta["name"], len(unknown), len(errs))
			for _, u := range unknown {
				fmt.Println("   unknown field", u)
				failed = true
			}
			for _, e := range errs {
				fmt.Println("  ", e)
				failed = true
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}

func stripComments(doc string) string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
