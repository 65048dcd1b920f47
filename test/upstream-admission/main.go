// Command upstream-admission runs upstream Knative Serving's admission (knative.dev/serving's own
// Go types, SetDefaults and Validate, decoded as knative.dev/pkg's webhooks decode) on objects
// read from stdin, for the differential test in test/conformance.
//
// Input: one JSON object per line:
//
//	{"id": "...", "object": {...Knative object...}, "config": {"config-defaults": {...}, "config-features": {...}, "config-autoscaler": {...}}}
//
// Output: one JSON line per input line, in order:
//
//	{"id": "...", "configError": "...", "decodeError": "...", "panic": "...",
//	 "errors": ["..."], "warnings": ["..."], "patch": [...], "defaulted": {...}}
//
// What it does is what `serving-webhook` (knative.dev/serving cmd/webhook) does on CREATE:
//   - the config maps are parsed with the constructors its config store uses
//     (pkg/apis/config: config-defaults, config-features; pkg/autoscaler/config: config-autoscaler)
//     and put in the context with config.ToContext; a missing map takes the defaults, as
//     config.FromContextOrDefaults does;
//   - defaulting webhook (knative.dev/pkg webhook/resourcesemantics/defaulting): decode the request
//     bytes into the Go type with knative.dev/pkg/webhook/json.Decode (unknown fields allowed:
//     serving's webhook passes disallowUnknownFields=false), then, within create, SetDefaults; the
//     patch it would send is the JSON patch from the request bytes to the encoded defaulted object
//     (round trip + defaults in one; creator/lastModifier annotations are left out: no user);
//   - validating webhook (webhook/resourcesemantics/validation): decode the defaulted object the
//     same way, Validate within create, and split the result into error-level and warning-level
//     messages as the webhook does (FieldError.Filter).
//
// Not run: serving's extra validation callbacks (ValidateService / ValidateConfiguration), which
// only act when the podspec dry-run feature asks the API server for a dry run.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"

	"gomodules.xyz/jsonpatch/v2"
	"knative.dev/pkg/apis"
	kwebhookjson "knative.dev/pkg/webhook/json"
	"knative.dev/pkg/webhook/resourcesemantics"
	"knative.dev/serving/pkg/apis/config"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingv1beta1 "knative.dev/serving/pkg/apis/serving/v1beta1"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
)

type input struct {
	ID     string                       `json:"id"`
	Object json.RawMessage              `json:"object"`
	Config map[string]map[string]string `json:"config"`
}

type output struct {
	ID          string               `json:"id"`
	ConfigError string               `json:"configError,omitempty"`
	DecodeError string               `json:"decodeError,omitempty"`
	Panic       string               `json:"panic,omitempty"`
	Errors      []string             `json:"errors"`
	Warnings    []string             `json:"warnings"`
	Patch       []jsonpatch.Operation `json:"patch"`
	Defaulted   json.RawMessage      `json:"defaulted,omitempty"`
}

// newObject returns an empty object of the Go type serving's webhooks use for apiVersion/kind.
func newObject(raw []byte) (resourcesemantics.GenericCRD, error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("cannot read apiVersion/kind: %w", err)
	}
	switch tm.APIVersion + "/" + tm.Kind {
	case "serving.knative.dev/v1/Service":
		return &servingv1.Service{}, nil
	case "serving.knative.dev/v1/Configuration":
		return &servingv1.Configuration{}, nil
	case "serving.knative.dev/v1/Revision":
		return &servingv1.Revision{}, nil
	case "serving.knative.dev/v1/Route":
		return &servingv1.Route{}, nil
	case "serving.knative.dev/v1beta1/DomainMapping":
		return &servingv1beta1.DomainMapping{}, nil
	}
	return nil, fmt.Errorf("unhandled kind: %s %s", tm.APIVersion, tm.Kind)
}

// configContext parses the config maps as the webhook's config store does.
func configContext(maps map[string]map[string]string) (context.Context, error) {
	cfg := &config.Config{}
	var err error
	if d, ok := maps[config.DefaultsConfigName]; ok {
		if cfg.Defaults, err = config.NewDefaultsConfigFromMap(d); err != nil {
			return nil, fmt.Errorf("%s: %w", config.DefaultsConfigName, err)
		}
	}
	if d, ok := maps[config.FeaturesConfigName]; ok {
		if cfg.Features, err = config.NewFeaturesConfigFromMap(d); err != nil {
			return nil, fmt.Errorf("%s: %w", config.FeaturesConfigName, err)
		}
	}
	if d, ok := maps[asconfig.ConfigName]; ok {
		if cfg.Autoscaler, err = asconfig.NewConfigFromMap(d); err != nil {
			return nil, fmt.Errorf("%s: %w", asconfig.ConfigName, err)
		}
	}
	return config.ToContext(context.Background(), cfg), nil
}

func messages(fe *apis.FieldError) []string {
	out := []string{}
	if fe == nil {
		return out
	}
	for _, e := range fe.WrappedErrors() {
		out = append(out, e.Error())
	}
	return out
}

func admit(in input) (out output) {
	out = output{ID: in.ID, Errors: []string{}, Warnings: []string{}, Patch: []jsonpatch.Operation{}}
	defer func() {
		if r := recover(); r != nil {
			out.Panic = fmt.Sprintf("%v\n%s", r, debug.Stack())
		}
	}()
	ctx, err := configContext(in.Config)
	if err != nil {
		out.ConfigError = err.Error()
		return out
	}
	ctx = apis.WithinCreate(ctx)

	// Defaulting webhook.
	obj, err := newObject(in.Object)
	if err != nil {
		out.DecodeError = err.Error()
		return out
	}
	if err := kwebhookjson.Decode(in.Object, obj, false); err != nil {
		out.DecodeError = "cannot decode incoming new object: " + err.Error()
		return out
	}
	obj.SetDefaults(ctx)
	defaulted, err := json.Marshal(obj)
	if err != nil {
		out.DecodeError = "cannot encode the defaulted object: " + err.Error()
		return out
	}
	out.Defaulted = defaulted
	patch, err := jsonpatch.CreatePatch(in.Object, defaulted)
	if err != nil {
		out.DecodeError = "cannot create the defaulting patch: " + err.Error()
		return out
	}
	out.Patch = append(out.Patch, patch...)

	// Validating webhook, on the object the defaulting webhook produced.
	vobj, _ := newObject(defaulted)
	if err := kwebhookjson.Decode(defaulted, vobj, false); err != nil {
		out.DecodeError = "cannot decode the defaulted object: " + err.Error()
		return out
	}
	if result := vobj.Validate(ctx); result != nil {
		out.Errors = messages(result.Filter(apis.ErrorLevel))
		out.Warnings = messages(result.Filter(apis.WarningLevel))
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	enc := json.NewEncoder(w)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var req input
		var out output
		if err := json.Unmarshal(line, &req); err != nil {
			out = output{DecodeError: "bad input line: " + err.Error(), Errors: []string{}, Warnings: []string{}}
		} else {
			out = admit(req)
		}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
