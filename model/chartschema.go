package model

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
)

// validateSchemas checks values against the chart's values.schema.json and each
// subchart's against its own, as helm template does. Helm's own validation follows
// a schema's $ref to any file or URL; kubenet resolves none outside the schema
// itself, so a chart from a pull request cannot make it read a file or the network.
func validateSchemas(ch *chartv2.Chart, values map[string]any) error {
	var msgs []string
	if len(ch.Schema) > 0 {
		if err := validateSchema(ch.Schema, values); err != nil {
			msgs = append(msgs, ch.Name()+": "+err.Error())
		}
	}
	for _, sub := range ch.Dependencies() {
		sv, ok := values[sub.Name()].(map[string]any)
		if !ok {
			continue
		}
		if err := validateSchemas(sub, sv); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "; "))
	}
	return nil
}

// noLoader refuses every $ref outside the schema.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("kubenet resolves no $ref outside values.schema.json (%s)", url)
}

const schemaURL = "file:///values.schema.json"

var schemaPrinter = message.NewPrinter(language.English)

func validateSchema(schema []byte, values map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the schema cannot be used: %v", r)
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("values.schema.json does not parse: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return err
	}
	if err := sch.Validate(values); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return errors.New(flattenSchemaError(ve))
		}
		return err
	}
	return nil
}

// flattenSchemaError lists the leaves of a validation error on one line: where in
// the values, and what is wrong.
func flattenSchemaError(ve *jsonschema.ValidationError) string {
	var out []string
	var visit func(e *jsonschema.ValidationError)
	visit = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			at := "/" + strings.Join(e.InstanceLocation, "/")
			out = append(out, fmt.Sprintf("at %s: %s", at, e.ErrorKind.LocalizedString(schemaPrinter)))
			return
		}
		for _, c := range e.Causes {
			visit(c)
		}
	}
	visit(ve)
	return strings.Join(out, "; ")
}
